"""Attestations de frais de garde and fiches de renseignements, as HTML for `pdf_press`."""
from datetime import date

from flask import current_app, render_template
from flask_babel import force_locale


def certificate_html(certificate, issued_on: date, head: dict = None) -> str:
    """`head`: the town's letterhead (app.pdf.letterhead), read once for a whole batch."""
    from app.pdf import letterhead

    # French whatever the language of the person who prints them: the tax office reads them.
    with force_locale("fr"):
        return render_template("pdf/tax_certificate.html", c=certificate, issued_on=issued_on,
                               **(head or letterhead()))


def sheet_html(sheet, issued_on: date) -> str:
    with force_locale("fr"):
        return render_template("pdf/information_sheet.html", s=sheet, issued_on=issued_on,
                               town=current_app.config.get("TOWN_NAME") or "")
