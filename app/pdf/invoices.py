"""The invoice PDF. A validated invoice's PDF is built only from what the invoice stores and is
kept once rendered, so every reprint is the document the family received."""
import secrets
from pathlib import Path
from types import SimpleNamespace

from flask import render_template
from flask_babel import force_locale

from app.extensions import db
from app.models import Invoice
from app.pdf import html_to_pdf
from app.services import billing, sepa
from app.services.storage import private_folder, write_private


def _storage() -> Path:
    return private_folder("invoices")


def issuer(invoice: Invoice) -> SimpleNamespace:
    """The régie as the invoice was issued under it: a validated invoice keeps the name and
    code it froze, even if the régie is renamed before the first print."""
    if invoice.status != "draft" and invoice.regie_name:
        return SimpleNamespace(name=invoice.regie_name, code=invoice.regie_code)
    return SimpleNamespace(name=invoice.regie.name, code=invoice.regie.code)


def invoice_html(invoice: Invoice) -> str:
    settled = billing.settlement_of(invoice)
    # A debit date is only a promise to payers whose mandate is active when the invoice is
    # printed; the others read how the régie is paid.
    mandate = (sepa.active_mandate(invoice.payer_id, invoice.regie_id)
               if invoice.debit_date and invoice.kind == "invoice" else None)
    # The document is French whatever the language of the person who prints it. Every stored
    # text is escaped by the template: an address typed with HTML prints as typed.
    with force_locale("fr"):
        return render_template("pdf/invoice.html", invoice=invoice, regie=issuer(invoice),
                               due=billing.amount_due(invoice, *settled),
                               paid=settled.paid,
                               draft=invoice.status == "draft",
                               debited_account=sepa.masked_iban(mandate.iban) if mandate
                               else None,
                               instructions=invoice.regie.payment_instructions)


def render_invoice(invoice: Invoice) -> bytes:
    return html_to_pdf(invoice_html(invoice))


def invoice_pdfs(invoices, press=None):
    """A function giving the PDFs of `invoices`, in order, once `press` (see
    app.pdf.pdf_press) has made those missing: a validated invoice's stored PDF, or one
    rendered now and kept; a draft's is rendered fresh, marked as such. Without `press`,
    the PDFs themselves."""
    documents = {invoice.id: _stored(invoice) for invoice in invoices}
    missing = [invoice for invoice in invoices if documents[invoice.id] is None]
    htmls = [invoice_html(invoice) for invoice in missing]
    if press is None:
        return _kept(invoices, documents, missing, [html_to_pdf(html) for html in htmls])
    started = press(htmls)
    return lambda: _kept(invoices, documents, missing, started())


def _kept(invoices, documents, missing, rendered) -> list:
    for invoice, document in zip(missing, rendered):
        if invoice.status != "draft":
            _keep(invoice, document)
        documents[invoice.id] = document
    return [documents[invoice.id] for invoice in invoices]


def invoice_pdf(invoice: Invoice) -> bytes:
    return invoice_pdfs([invoice])[0]


def _stored(invoice: Invoice):
    if invoice.status == "draft" or not invoice.pdf_storage_name:
        return None
    path = _storage() / invoice.pdf_storage_name
    return path.read_bytes() if path.exists() else None


def _keep(invoice: Invoice, document: bytes) -> None:
    name = f"{secrets.token_hex(16)}.pdf"
    write_private(_storage() / name, document)
    invoice.pdf_storage_name = name
    db.session.flush()
