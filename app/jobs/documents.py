"""Official documents printed in batches: attestations de frais de garde and fiches de
renseignements, one merged PDF, optionally saved into each family's documents (on the portal
from today) and, for certificates, announced by e-mail."""
from datetime import date

from flask_babel import gettext as _

from app.jobs import job, submit
from app.jobs.billing import save_batch
from app.pdf import press_all
from app.services import certificates, documents, information_sheets
from app.services.calendar import today_in_town


def submit_certificates(service_ids, start: date, end: date, per: str, payer_ids=None,
                        child_ids=None, save_to_records=False, notify=False,
                        created_by_id=None):
    """Queue the certificates once the request passes their checks (a refused request never
    becomes a failed job). The caller commits, then dispatches."""
    certificates.check_request(service_ids, start, end, per)
    return submit("tax_certificates", {
        "service_ids": [int(i) for i in service_ids], "start": start.isoformat(),
        "end": end.isoformat(), "per": per,
        "payer_ids": list(payer_ids) if payer_ids is not None else None,
        "child_ids": list(child_ids) if child_ids is not None else None,
        "save_to_records": bool(save_to_records), "notify": bool(save_to_records and notify),
        "created_by_id": created_by_id}, created_by_id=created_by_id)


@job("tax_certificates")
def tax_certificates(progress, service_ids, start, end, per, payer_ids=None, child_ids=None,
                     save_to_records=False, notify=False, created_by_id=None):
    from app.pdf import letterhead
    from app.pdf.certificates import certificate_html

    today = today_in_town()
    found = certificates.certificates(service_ids, date.fromisoformat(start),
                                      date.fromisoformat(end), per, payer_ids=payer_ids,
                                      child_ids=child_ids)
    progress.report_only(10)
    head = letterhead()
    pdfs = press_all(found, lambda c: certificate_html(c, today, head),
                     lambda percent: progress.report_only(10 + percent))
    saved = {}
    if save_to_records:
        year = date.fromisoformat(start).year
        saved = documents.save_generated_batch(
            ((index, c.payer_id, pdf, f"attestation-frais-de-garde-{year}.pdf",
              _("Childcare expenses certificate %(year)s", year=year)
              + ("" if per == "payer" else f" — {c.children[0].name}"))
             for index, (c, pdf) in enumerate(zip(found, pdfs))), today, created_by_id)
    notified = 0
    if saved and notify:
        notified = documents.announce(
            ((c.payer_id, {"year": c.start.year, "regie": c.regie.name})
             for index, c in enumerate(found) if index in saved),
            "email/certificate_notice", "certificate")
    counted = certificates.totals(found)
    return {"file": save_batch(pdfs), "certificates": counted["certificates"],
            "payers": counted["payers"], "children": counted["children"],
            "total": str(counted["total"]), "saved": len(saved), "notified": notified}


def submit_sheets(kind: str, person_ids, sections, save_to_records=False, created_by_id=None):
    information_sheets.check_sections(kind, sections, save_to_records)
    return submit("information_sheets", {
        "kind": kind, "person_ids": list(person_ids), "sections": list(sections),
        "save_to_records": bool(save_to_records), "created_by_id": created_by_id},
        created_by_id=created_by_id)


@job("information_sheets")
def information_sheets_job(progress, kind, person_ids, sections, save_to_records=False,
                           created_by_id=None):
    from app.pdf.certificates import sheet_html

    today = today_in_town()
    found = information_sheets.sheets(kind, person_ids, sections, today)
    pdfs = press_all(found, lambda sheet: sheet_html(sheet, today), progress.report_only, 90)
    saved = {}
    if save_to_records:
        # The sheet of a child goes into the child's documents (the FAQ's « documents des
        # enfants concernés »): the parents see it on the portal with their children's.
        saved = documents.save_generated_batch(
            ((sheet.person.id, sheet.person.id, pdf, f"fiche-{today:%Y-%m-%d}.pdf",
              _("Information sheet of %(day)s", day=today.strftime("%d/%m/%Y")))
             for sheet, pdf in zip(found, pdfs)), today, created_by_id)
    return {"file": save_batch(pdfs), "sheets": len(found), "saved": len(saved)}
