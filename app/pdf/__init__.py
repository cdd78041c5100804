"""PDF documents rendered by xhtml2pdf from lean Jinja templates."""
import io
import logging

from flask import render_template
from xhtml2pdf import pisa

logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)


def html_to_pdf(html: str) -> bytes:
    out = io.BytesIO()
    # No link callback: the templates embed nothing from disk or the network.
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:
        raise RuntimeError(f"xhtml2pdf failed with {result.err} errors")
    return out.getvalue()


def render_pdf(template: str, **context) -> bytes:
    return html_to_pdf(render_template(template, **context))


def merge_pdfs(documents) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for document in documents:
        writer.append(io.BytesIO(document))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
