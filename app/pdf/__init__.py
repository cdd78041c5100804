"""PDF documents rendered by xhtml2pdf from lean Jinja templates.

Jinja writes the HTML in the request or job, where the database is; xhtml2pdf, which takes
nearly all the time, only needs that text: a batch spreads it over the machine's processes
(`pdf_press`)."""
import io
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from flask import current_app, render_template
from xhtml2pdf import pisa

logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)


def html_to_pdf(html: str) -> bytes:
    out = io.BytesIO()
    # No link callback: the templates embed nothing from disk or the network.
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:
        raise RuntimeError(f"xhtml2pdf failed with {result.err} errors")
    return out.getvalue()


def letterhead() -> dict:
    """What heads a letter the town posts (pdf/_letterhead.html, the certificates): its name,
    its contact lines (the portal's contact text) and today, for « Saint-Aubin, le 18 novembre
    2026 »."""
    from app.services import portal_texts
    from app.services.calendar import today_in_town

    return {"town": current_app.config.get("TOWN_NAME") or "",
            "contact_lines": [line for line in portal_texts.text_of("contact").split("\n")
                              if line.strip()],
            "today": today_in_town()}


def render_pdf(template: str, **context) -> bytes:
    return html_to_pdf(render_template(template, **context))


@contextmanager
def pdf_press(count: int):
    """A function `press(htmls)` that starts turning HTML texts into PDFs and returns a
    function giving them, in order, once ready: the caller writes the next HTML meanwhile.
    From PDF_PARALLEL_FROM documents on, PDF_PROCESSES processes (all the machine's cores by
    default) convert side by side; below, here, where starting processes would cost more than
    it saves."""
    config = current_app.config
    processes = int(config.get("PDF_PROCESSES") or os.cpu_count() or 1)
    if processes < 2 or count < int(config.get("PDF_PARALLEL_FROM", 24)):
        yield lambda htmls: (lambda: [html_to_pdf(html) for html in htmls])
        return
    # Forked where the system can: the children start at once and only run xhtml2pdf on text
    # (no database, no lock of the parent's; CPython resets the import and logging locks in
    # a forked child). Spawning instead costs each print job seconds of imports.
    method = config.get("PDF_START_METHOD") or (
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=processes,
                             mp_context=multiprocessing.get_context(method)) as pool:
        def press(htmls):
            futures = [pool.submit(html_to_pdf, html) for html in htmls]
            return lambda: [future.result() for future in futures]

        yield press


# Documents written as HTML while the previous slice is converted (and held in memory as HTML).
PRINT_SLICE = 50


def press_all(items, html_of, progress=None, share: int = 80) -> list:
    """One PDF per item, in order: `html_of(item)` written slice by slice and converted over
    the machine's processes; `progress(percent)` moves up to `share` between slices."""
    pdfs = []
    with pdf_press(len(items)) as press:
        waiting = [press([html_of(item) for item in items[start:start + PRINT_SLICE]])
                   for start in range(0, len(items), PRINT_SLICE)]
        for done, finished in enumerate(waiting, start=1):
            pdfs += finished()
            if progress is not None:
                progress(int(share * done / len(waiting)))
    return pdfs


def merge_pdfs(documents) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for document in documents:
        writer.append(io.BytesIO(document))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
