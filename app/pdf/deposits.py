"""The deposit slip (bordereau de remise de chèques, d'espèces...) handed to the bank."""
from flask_babel import force_locale

from app.models import Deposit
from app.pdf import render_pdf
from app.services import deposits


def deposit_slip_pdf(deposit: Deposit) -> bytes:
    # French whatever the language of the person who prints it, like the invoices.
    with force_locale("fr"):
        return render_pdf("pdf/deposit_slip.html", deposit=deposit,
                          lines=sorted(deposit.payments, key=lambda p: p.id),
                          by_product=deposits.by_product(deposit))
