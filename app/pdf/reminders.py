"""Reminder letters (lettres de relance), one per payer and régie."""
from datetime import date

from flask import render_template
from flask_babel import force_locale


def letter_html(letter, sent_on: date) -> str:
    # French whatever the language of the person who prints them, like invoices.
    with force_locale("fr"):
        return render_template("pdf/reminder.html", letter=letter, sent_on=sent_on)
