"""A validated invoice never changes; it is corrected by credit notes, which may release days
to be billed again. States, numbers and PDFs tell the truth."""
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.models import Booking, Invoice
from app.services import RuleViolation, attendance, billing, billing_rules, bookings
from tests.unit.test_billing import family, generate, invoices_by_payer


def billed_and_validated(session, price="3.00"):
    meal, home, mother, _, child, subscription = family(session, price=price)
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    (invoice,) = invoices_by_payer(session, generate(meal)).values()
    billing.validate([invoice.id])
    return meal, home, mother, child, invoice


def test_a_credit_note_naming_the_lines_releases_their_days_to_be_billed_again(session):
    meal, _, mother, child, invoice = billed_and_validated(session)
    (line,) = invoice.lines
    assert line.quantity == 17 and invoice.total == Decimal("51.00")
    note = billing.credit_note(invoice, reason="Mauvais tarif",
                               cancelled_lines=[(line.id, None)])
    assert note.total == Decimal("-51.00") and note.lines[0].quantity == 17
    assert billing.state_of(invoice, billing.credited_amounts([invoice.id])[invoice.id]) == \
        "cancelled"
    # Staff correct the bookings: one day cancelled, now possible as it is no longer invoiced.
    bookings.cancel(child, meal, date(2026, 11, 2))
    result = generate(meal)
    (again,) = invoices_by_payer(session, result).values()
    assert again.id != invoice.id and again.status == "draft"
    assert [(ln.quantity, ln.amount) for ln in again.lines] == [(16, Decimal("48.00"))]
    assert "2026-11-02" not in again.lines[0].dates
    assert session.scalar(sa.select(sa.func.count(Booking.id)).where(~Booking.billed)) == 0


def test_a_credit_note_for_some_days_releases_only_those(session):
    meal, _, _, child, invoice = billed_and_validated(session)
    (line,) = invoice.lines
    note = billing.credit_note(invoice, reason="Grève",
                               cancelled_lines=[(line.id, ["2026-11-05", "2026-11-06"])])
    assert note.total == Decimal("-6.00") and note.lines[0].dates == "2026-11-05,2026-11-06"
    assert billing.amount_due(invoice, Decimal("-6.00")) == Decimal("45.00")
    assert billing.state_of(invoice, Decimal("-6.00"), today=date(2026, 12, 1)) == "unpaid"
    with pytest.raises(RuleViolation, match="déjà annulés"):
        billing.credit_note(invoice, cancelled_lines=[(line.id, ["2026-11-05"])])
    with pytest.raises(RuleViolation, match="pas les deux"):
        billing.credit_note(invoice, "2,00", cancelled_lines=[(line.id, ["2026-11-09"])])
    (again,) = invoices_by_payer(session, generate(meal)).values()
    assert again.lines[0].dates == "2026-11-05,2026-11-06"


def test_a_credit_note_for_an_amount_releases_nothing(session):
    meal, _, _, _, invoice = billed_and_validated(session)
    note = billing.credit_note(invoice, "4,50", "Geste commercial")
    assert note.total == Decimal("-4.50") and note.lines == []
    assert generate(meal)["invoice_ids"] == []


@pytest.mark.parametrize("amount, message", [
    ("0", "doit être positif"), ("0,00", "doit être positif"), ("-5", "doit être positif"),
    ("0.001", "deux décimales"), ("1,005", "deux décimales"), ("douze", "n'est pas un montant"),
    ("51,01", "ne peut pas dépasser"),
])
def test_credit_notes_of_no_amount_or_of_fractions_of_a_cent_are_refused(session, amount,
                                                                        message):
    _, _, _, _, invoice = billed_and_validated(session)
    with pytest.raises(RuleViolation, match=message):
        billing.credit_note(invoice, amount, "x")
    assert session.scalar(sa.select(sa.func.count(Invoice.id)).where(
        Invoice.kind == "credit_note")) == 0


def test_an_adjustment_never_leaves_nor_reaches_a_validated_invoice(session):
    meal, _, mother, _, child, subscription = family(session)
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    (draft,) = invoices_by_payer(session, generate(meal)).values()
    discount = billing.add_adjustment(draft, "Fratrie", "discount", "1,50")
    assert draft.total == Decimal("49.50")
    billing.validate([draft.id])
    other = session.scalar(sa.select(Invoice).where(Invoice.id != draft.id,
                                                    Invoice.status == "draft"))
    assert other is None
    # A second payer's draft to move it onto.
    second = Invoice(regie_id=draft.regie_id, payer_id=mother.id, status="draft",
                     period_start=date(2026, 12, 1), period_end=date(2026, 12, 31), total=0)
    session.add(second)
    session.flush()
    discount.invoice_id = second.id
    with pytest.raises(RuleViolation, match="est validée"):
        billing.save_adjustment(discount)
    session.rollback()


def test_attendance_on_an_invoiced_day_can_no_longer_change(session):
    from app.services.calendar import TOWN_TZ

    meal, _, _, child, invoice = billed_and_validated(session)
    later = datetime(2026, 12, 1, tzinfo=TOWN_TZ)
    # Taking attendance after billing stays possible...
    attendance.mark(child, meal, date(2026, 11, 9), "present", now=later)
    # ...but a mark that would change what was billed, or an existing one, is refused.
    with pytest.raises(RuleViolation, match="déjà facturé"):
        attendance.mark(child, meal, date(2026, 11, 10), "excused_absence", now=later)
    with pytest.raises(RuleViolation, match="déjà facturé"):
        attendance.mark(child, meal, date(2026, 11, 9), "excused_absence", now=later)
    with pytest.raises(RuleViolation, match="déjà facturé"):
        attendance.mark(child, meal, date(2026, 11, 9), None, now=later)
    # Once a credit note released the day, it can be corrected.
    (line,) = invoice.lines
    billing.credit_note(invoice, cancelled_lines=[(line.id, ["2026-11-09"])])
    attendance.mark(child, meal, date(2026, 11, 9), "excused_absence", now=later)


def test_the_invoice_number_carries_the_towns_year(session, town_clock):
    meal, _, mother, _, child, subscription = family(session)
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    (invoice,) = invoices_by_payer(session, generate(meal)).values()
    # 31 December 23:30 UTC is already 1 January 00:30 in Paris.
    town_clock(datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc))
    numbers = billing.validate([invoice.id])
    assert "-F-2027-" in numbers[invoice.id] and invoice.issue_date == date(2027, 1, 1)


def test_the_pdf_prints_what_the_invoice_froze_and_escapes_stored_text(session):
    from pypdf import PdfReader

    from app.pdf.invoices import invoice_pdf

    meal, home, mother, _, child, subscription = family(session)
    home.address_line = "<font color=red>PAYEZ SUR IBAN FR76 0000</font> 3 rue des Lilas"
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    (invoice,) = invoices_by_payer(session, generate(meal)).values()
    billing.validate([invoice.id])
    regie_name = meal.regie.name
    meal.regie.name, meal.regie.code = "Régie renommée", "NEW"
    session.flush()
    text = "".join(page.extract_text() for page in
                   PdfReader(io.BytesIO(invoice_pdf(invoice))).pages)
    assert regie_name in text and "Régie renommée" not in text
    assert "<font color=red>PAYEZ SUR IBAN FR76 0000</font>" in text.replace("\n", " ")


def test_a_credit_note_for_days_already_discounted_adds_up(session):
    meal, _, mother, _, child, subscription = family(session)
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    (invoice,) = invoices_by_payer(session, generate(meal)).values()
    billing.add_adjustment(invoice, "Fratrie", "discount", "6.00")
    billing.validate([invoice.id])
    (line,) = invoice.lines
    note = billing.credit_note(invoice, cancelled_lines=[(line.id, None)])
    # 17 days at 3,00 € = 51,00 € cancelled, but only 45,00 € was due: the note says why.
    assert note.total == Decimal("-45.00")
    assert sum(ln.amount for ln in note.lines) == Decimal("-51.00")
    (deducted,) = note.adjustments
    assert deducted.signed_amount == Decimal("6.00") and "Déjà déduit" in deducted.label
    assert sum(ln.amount for ln in note.lines) + deducted.signed_amount == note.total
