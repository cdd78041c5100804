"""The invoice PDF. A validated invoice's PDF is built only from what the invoice stores and is
kept once rendered, so every reprint is the document the family received."""
import secrets
from pathlib import Path
from types import SimpleNamespace

from flask_babel import force_locale

from app.extensions import db
from app.models import Invoice
from app.pdf import render_pdf
from app.services import billing
from app.services.storage import private_folder, write_private


def _storage() -> Path:
    return private_folder("invoices")


def issuer(invoice: Invoice) -> SimpleNamespace:
    """The régie as the invoice was issued under it: a validated invoice keeps the name and
    code it froze, even if the régie is renamed before the first print."""
    if invoice.status != "draft" and invoice.regie_name:
        return SimpleNamespace(name=invoice.regie_name, code=invoice.regie_code)
    return SimpleNamespace(name=invoice.regie.name, code=invoice.regie.code)


def render_invoice(invoice: Invoice) -> bytes:
    settled = billing.settlement_of(invoice)
    # The document is French whatever the language of the person who prints it. Every stored
    # text is escaped by the template: an address typed with HTML prints as typed.
    with force_locale("fr"):
        return render_pdf("pdf/invoice.html", invoice=invoice, regie=issuer(invoice),
                          due=billing.amount_due(invoice, *settled),
                          draft=invoice.status == "draft")


def invoice_pdf(invoice: Invoice) -> bytes:
    """The stored PDF of a validated invoice (rendered and kept the first time), or a fresh
    rendering of a draft (marked as such)."""
    if invoice.status == "draft":
        return render_invoice(invoice)
    if invoice.pdf_storage_name:
        path = _storage() / invoice.pdf_storage_name
        if path.exists():
            return path.read_bytes()
    document = render_invoice(invoice)
    name = f"{secrets.token_hex(16)}.pdf"
    write_private(_storage() / name, document)
    invoice.pdf_storage_name = name
    db.session.flush()
    return document
