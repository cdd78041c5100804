"""The monthly account statement (« Imprimer le récapitulatif »)."""
from flask import render_template
from flask_babel import force_locale

from app.formatting import month_name

from app.pdf import html_to_pdf


def statement_pdf(adult, account) -> bytes:
    with force_locale("fr"):
        return html_to_pdf(render_template(
            "pdf/statement.html", adult=adult, account=account,
            month_name=month_name(account.month)))
