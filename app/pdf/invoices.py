"""The invoice PDF. A validated invoice's PDF is built only from what the invoice stores and is
kept once rendered, so every reprint is the document the family received."""
import os
import secrets
from pathlib import Path
from types import SimpleNamespace

from flask import current_app
from flask_babel import force_locale

from app.extensions import db
from app.models import Invoice
from app.pdf import render_pdf
from app.services import billing


def _storage() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "invoices"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def issuer(invoice: Invoice) -> SimpleNamespace:
    """The régie as the invoice was issued under it: a validated invoice keeps the name and
    code it froze, even if the régie is renamed before the first print."""
    if invoice.status != "draft" and invoice.regie_name:
        return SimpleNamespace(name=invoice.regie_name, code=invoice.regie_code)
    return SimpleNamespace(name=invoice.regie.name, code=invoice.regie.code)


def render_invoice(invoice: Invoice) -> bytes:
    credited = billing.credited_amounts([invoice.id]).get(invoice.id, billing.ZERO)
    # The document is French whatever the language of the person who prints it. Every stored
    # text is escaped by the template: an address typed with HTML prints as typed.
    with force_locale("fr"):
        return render_pdf("pdf/invoice.html", invoice=invoice, regie=issuer(invoice),
                          due=billing.amount_due(invoice, credited),
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
    # Invoices name families and amounts: readable by the application's user only.
    with open(os.open(_storage() / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
        f.write(document)
    invoice.pdf_storage_name = name
    db.session.flush()
    return document
