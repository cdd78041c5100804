"""Turning bookings into invoices: drafts, adjustments, validation, credit notes, states.

Generation is set-based (DESIGN §5): a fixed handful of queries load the period's billable
days with their subscriptions, rules, tariffs and quotients; Python groups them with
dictionaries; invoices and lines go in with bulk INSERTs and the billed bookings are marked
with chunked UPDATEs. Nothing is loaded or written per family.
"""
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import (
    Adjustment,
    AuditLog,
    Attendance,
    BillingRule,
    Booking,
    FamilyQuotient,
    Household,
    HouseholdMember,
    Invoice,
    InvoiceLine,
    Person,
    Regie,
    Service,
    Subscription,
    Tariff,
)
from app.models.base import utcnow
from app.models.billing import billing_rule_subscription, week_is_covered
from app.services import RuleViolation, audit, numbering
from app.services.bookings import check_range
from app.services.pricing import bracket_price

CHUNK = 20000
ZERO = Decimal("0.00")


# ---------------------------------------------------------------------------------------------
# States as users see them


def amount_due(invoice: Invoice, credited: Decimal = ZERO) -> Decimal:
    """What is left to pay: the total less the credit notes issued against it (payments
    will subtract here too once they exist)."""
    if invoice.kind == "credit_note" or invoice.status != "validated":
        return ZERO
    return max(ZERO, Decimal(invoice.total) + credited)


def credited_amounts(invoice_ids) -> dict:
    """{invoice id: sum of its credit notes (negative)} in one query."""
    if not invoice_ids:
        return {}
    return dict(db.session.execute(sa.select(Invoice.credits_invoice_id, sa.func.sum(Invoice.total))
                                   .where(Invoice.credits_invoice_id.in_(list(invoice_ids)),
                                          Invoice.status == "validated")
                                   .group_by(Invoice.credits_invoice_id)).all())


def state_of(invoice: Invoice, credited: Decimal = ZERO, today: Optional[date] = None) -> str:
    """draft, unpaid, partially_paid, paid, to_remind or cancelled."""
    if invoice.status == "draft":
        return "draft"
    if invoice.status == "cancelled":
        return "cancelled"
    if invoice.kind == "credit_note":
        return "paid"
    due = amount_due(invoice, credited)
    if due <= 0:
        return "paid"
    if due < Decimal(invoice.total):
        return "partially_paid"
    if invoice.due_date and invoice.due_date < (today or date.today()):
        return "to_remind"
    return "unpaid"


def unpaid_invoices_of(person: Person) -> list:
    """Validated invoices of a payer that still have something to pay."""
    invoices = db.session.scalars(sa.select(Invoice).where(
        Invoice.payer_id == person.id, Invoice.status == "validated",
        Invoice.kind == "invoice")).all()
    credited = credited_amounts([i.id for i in invoices])
    return [i for i in invoices if amount_due(i, credited.get(i.id, ZERO)) > 0]


def archive_guard(person: Person) -> list:
    """Registered in the register's archive guards: an adult with unpaid invoices stays."""
    if person.kind != "adult":
        return []
    unpaid = unpaid_invoices_of(person)
    if not unpaid:
        return []
    return [_("%(count)s unpaid invoices (%(numbers)s) must be settled first.",
              count=len(unpaid), numbers=", ".join(i.number for i in unpaid[:5]))]


# ---------------------------------------------------------------------------------------------
# Draft generation


@dataclass
class _Item:
    kind: str  # "booking" or "attendance"
    id: int
    person_id: int
    service_id: int
    day: date
    person_name: str


def _billable_items(service_ids, basis_of, start, end):
    """Bookings (services billed on bookings, less excused absences) and presences or
    unexcused absences (services billed on attendance) not invoiced yet, in two queries."""
    items = []
    booking_services = [s for s in service_ids if basis_of[s] == "booking"]
    attendance_services = [s for s in service_ids if basis_of[s] == "attendance"]
    name = Person.last_name, Person.first_name
    if booking_services:
        excused = sa.exists().where(
            Attendance.person_id == Booking.person_id, Attendance.service_id == Booking.service_id,
            Attendance.date == Booking.date, Attendance.status == "excused_absence")
        rows = db.session.execute(
            sa.select(Booking.id, Booking.person_id, Booking.service_id, Booking.date, *name)
            .join(Person, Person.id == Booking.person_id)
            .where(Booking.service_id.in_(booking_services), Booking.date >= start,
                   Booking.date <= end, Booking.invoiced.is_(False), ~excused))
        items += [_Item("booking", r[0], r[1], r[2], r[3], f"{r[4].upper()} {r[5]}")
                  for r in rows]
    if attendance_services:
        rows = db.session.execute(
            sa.select(Attendance.id, Attendance.person_id, Attendance.service_id, Attendance.date,
                      *name)
            .join(Person, Person.id == Attendance.person_id)
            .where(Attendance.service_id.in_(attendance_services), Attendance.date >= start,
                   Attendance.date <= end, Attendance.invoiced.is_(False),
                   Attendance.status.in_(["present", "unexcused_absence"])))
        items += [_Item("attendance", r[0], r[1], r[2], r[3], f"{r[4].upper()} {r[5]}")
                  for r in rows]
    return items


def _in(day, start, end):
    return start <= day and (end is None or day <= end)


class _PriceBook:
    """Tariffs and quotients of the period, loaded once, looked up in memory."""

    def __init__(self, service_ids, payer_ids, start, end):
        self.tariffs = defaultdict(list)
        for tariff in db.session.scalars(sa.select(Tariff).where(
                Tariff.service_id.in_(list(service_ids)), Tariff.start_date <= end,
                sa.or_(Tariff.end_date.is_(None), Tariff.end_date >= start))
                .options(sa.orm.selectinload(Tariff.brackets))):
            self.tariffs[tariff.service_id].append(
                (tariff.start_date, tariff.end_date, tariff.unit_price, tariff))
        self.homes = defaultdict(list)
        self.quotients = defaultdict(list)
        if payer_ids:
            for chunk in _chunks(sorted(payer_ids)):
                for person_id, household_id in db.session.execute(
                        sa.select(HouseholdMember.person_id, HouseholdMember.household_id)
                        .where(HouseholdMember.person_id.in_(chunk))):
                    self.homes[person_id].append(household_id)
            household_ids = sorted({h for homes in self.homes.values() for h in homes})
            for chunk in _chunks(household_ids):
                for q in db.session.execute(sa.select(
                        FamilyQuotient.household_id, FamilyQuotient.value,
                        FamilyQuotient.start_date, FamilyQuotient.end_date).where(
                        FamilyQuotient.household_id.in_(chunk), FamilyQuotient.start_date <= end,
                        sa.or_(FamilyQuotient.end_date.is_(None),
                               FamilyQuotient.end_date >= start))):
                    self.quotients[q.household_id].append(q)
        self._cache = {}

    def price(self, service_id, payer_id, day) -> Optional[Decimal]:
        found = next((t for t in self.tariffs[service_id] if _in(day, t[0], t[1])), None)
        if found is None:
            return None
        if found[2] is not None:
            return Decimal(found[2])
        tariff = found[3]
        values = [q.value for h in self.homes[payer_id] for q in self.quotients[h]
                  if _in(day, q.start_date, q.end_date)]
        quotient = min(values) if values else None
        key = (tariff.id, quotient)
        if key not in self._cache:
            self._cache[key] = Decimal(bracket_price(tariff, quotient)[0])
        return self._cache[key]


def mark_invoiced(model, ids):
    """Flag billed rows. PostgreSQL takes every id as one array parameter (a 20,000-placeholder
    IN list costs more to parse than to run); elsewhere, IN lists in chunks."""
    if not ids:
        return
    table = model.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        db.session.execute(table.update().where(table.c.id == sa.any_(
            sa.bindparam("ids", value=list(ids), type_=ARRAY(sa.Integer)))).values(invoiced=True))
        return
    for chunk in _chunks(ids):
        db.session.execute(table.update().where(table.c.id.in_(chunk)).values(invoiced=True))


def _chunks(values, size=CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def generate_drafts(regie_id: int, service_ids, period_start: date, period_end: date,
                    due_date: Optional[date] = None, debit_date: Optional[date] = None,
                    display_at: Optional[datetime] = None, progress=None) -> dict:
    """“Créer un groupe de factures”: one draft per payer for the period's billable days of
    the chosen services. Returns the new invoice ids and the days no rule covers."""
    progress = progress or (lambda percent, message=None: None)
    check_range(period_start, period_end)
    regie = db.session.get(Regie, regie_id)
    if regie is None:
        raise RuleViolation(_("Unknown régie."), "regie_id")
    services = {s.id: s for s in db.session.scalars(sa.select(Service).where(
        Service.id.in_(list(service_ids or []))))}
    if not services:
        raise RuleViolation(_("Choose at least one service."), "service_ids")
    if any(s.regie_id != regie.id for s in services.values()):
        raise RuleViolation(_("Every service must belong to the chosen régie."), "service_ids")
    if due_date and due_date < period_start:
        raise RuleViolation(_("The due date cannot be before the period."), "due_date")
    basis_of = {s.id: s.billing_basis for s in services.values()}
    items = _billable_items(list(services), basis_of, period_start, period_end)
    progress(20)

    subscriptions = defaultdict(list)  # (person, service) -> [(id, start, end)]
    for row in db.session.execute(sa.select(
            Subscription.id, Subscription.person_id, Subscription.service_id,
            Subscription.start_date, Subscription.end_date).where(
            Subscription.service_id.in_(list(services)), Subscription.start_date <= period_end,
            sa.or_(Subscription.end_date.is_(None), Subscription.end_date >= period_start))):
        subscriptions[(row.person_id, row.service_id)].append(row)
    # Plain tuples, not ORM objects: the loop below reads them hundreds of thousands of times.
    rules_of = defaultdict(list)  # subscription id -> [(start, end, criterion, weeks, payer, co)]
    for rule, subscription_id in db.session.execute(
            sa.select(BillingRule, billing_rule_subscription.c.subscription_id)
            .join(billing_rule_subscription)
            .join(Subscription, Subscription.id == billing_rule_subscription.c.subscription_id)
            .where(Subscription.service_id.in_(list(services)),
                   BillingRule.start_date <= period_end,
                   sa.or_(BillingRule.end_date.is_(None), BillingRule.end_date >= period_start))):
        rules_of[subscription_id].append((rule.start_date, rule.end_date, rule.criterion,
                                          rule.week_set, rule.payer_id, rule.co_payer_id))
    progress(35)

    billed = defaultdict(lambda: defaultdict(list))  # payer -> (person, service, price) -> items
    co_payers, unbilled = {}, []
    for item in items:
        payer_rule = None
        for subscription in subscriptions.get((item.person_id, item.service_id), ()):
            if not _in(item.day, subscription.start_date, subscription.end_date):
                continue
            week = item.day.isocalendar()[1]
            payer_rule = next((r for r in rules_of.get(subscription.id, ())
                               if _in(item.day, r[0], r[1])
                               and week_is_covered(r[2], r[3], week)), None)
            if payer_rule:
                break
        if payer_rule is None:
            unbilled.append(item)
            continue
        payer_id, co_payer_id = payer_rule[4], payer_rule[5]
        billed[payer_id][(item.person_id, item.service_id)].append(item)
        if co_payer_id and payer_id not in co_payers:
            co_payers[payer_id] = co_payer_id
    progress(50)

    prices = _PriceBook(services, billed.keys(), period_start, period_end)
    payer_names = {}
    people_ids = set(billed) | set(co_payers.values())
    for chunk in _chunks(sorted(people_ids)):
        for pid, last, first in db.session.execute(sa.select(
                Person.id, Person.last_name, Person.first_name).where(Person.id.in_(chunk))):
            payer_names[pid] = f"{last.upper()} {first}"
    batch_id = str(uuid.uuid4())
    now = utcnow()
    invoice_rows, line_groups, no_price = [], [], []
    for payer_id, groups in billed.items():
        lines, total = [], ZERO
        for (person_id, service_id), day_items in sorted(groups.items()):
            by_price = defaultdict(list)
            for item in day_items:
                price = prices.price(service_id, payer_id, item.day)
                if price is None:
                    no_price.append(item)
                else:
                    by_price[price].append(item)
            for price, priced in sorted(by_price.items()):
                priced.sort(key=lambda i: i.day)
                amount = (price * len(priced)).quantize(Decimal("0.01"))
                total += amount
                lines.append(dict(person_id=person_id, service_id=service_id,
                                  person_name=priced[0].person_name,
                                  service_name=services[service_id].name,
                                  quantity=len(priced), unit_price=price, amount=amount,
                                  dates=",".join(i.day.isoformat() for i in priced)))
        if not lines:
            continue
        invoice_rows.append(dict(
            kind="invoice", regie_id=regie.id, payer_id=payer_id,
            co_payer_id=co_payers.get(payer_id), status="draft", number=None,
            period_start=period_start, period_end=period_end, due_date=due_date,
            debit_date=debit_date, display_at=display_at, total=total, batch_id=batch_id,
            payer_name=payer_names.get(payer_id),
            co_payer_name=payer_names.get(co_payers.get(payer_id)), created_at=now))
        line_groups.append(lines)
    progress(65)

    # One draft per payer in this batch: the ids come back by payer in one query, which keeps
    # the INSERT a multi-row one (RETURNING in order would cost a statement per row on SQLite).
    # Core inserts (the table, not the mapped class): no ORM bookkeeping per row.
    for chunk in _chunks(invoice_rows, 5000):
        db.session.execute(sa.insert(Invoice.__table__), chunk)
    id_of_payer = dict(db.session.execute(sa.select(Invoice.payer_id, Invoice.id).where(
        Invoice.batch_id == batch_id)).all())
    invoice_ids = [id_of_payer[row["payer_id"]] for row in invoice_rows]
    line_rows = [dict(line, invoice_id=invoice_id)
                 for invoice_id, lines in zip(invoice_ids, line_groups) for line in lines]
    for chunk in _chunks(line_rows, 5000):
        db.session.execute(sa.insert(InvoiceLine.__table__), chunk)
    progress(80)
    billed_ids = {"booking": [], "attendance": []}
    no_price_ids = {id(i) for i in no_price}
    for groups in billed.values():
        for day_items in groups.values():
            for item in day_items:
                if id(item) not in no_price_ids:
                    billed_ids[item.kind].append(item.id)
    for model, kind in ((Booking, "booking"), (Attendance, "attendance")):
        mark_invoiced(model, billed_ids[kind])
    db.session.flush()
    progress(95)
    return {
        "batch_id": batch_id,
        "invoice_ids": invoice_ids,
        "unbilled": [{"person_id": i.person_id, "service_id": i.service_id,
                      "date": i.day.isoformat(), "person_name": i.person_name}
                     for i in sorted(unbilled, key=lambda i: (i.person_name, i.day))],
        "unpriced": [{"person_id": i.person_id, "service_id": i.service_id,
                      "date": i.day.isoformat()} for i in no_price],
    }


# ---------------------------------------------------------------------------------------------
# Drafts: editing, adjustments, deletion


def ensure_draft(invoice: Invoice) -> None:
    if invoice.status != "draft":
        raise RuleViolation(_("Invoice %(number)s is validated: it can no longer change; "
                              "correct it with a credit note.", number=invoice.number))


def recompute_total(invoice: Invoice) -> Decimal:
    lines = sum((Decimal(line.amount) for line in invoice.lines), ZERO)
    adjustments = sum((Decimal(a.signed_amount) for a in invoice.adjustments), ZERO)
    invoice.total = max(ZERO, lines + adjustments)
    return invoice.total


def check_adjustment(adjustment: Adjustment) -> Adjustment:
    invoice = adjustment.invoice or db.session.get(Invoice, adjustment.invoice_id)
    if invoice is None:
        raise RuleViolation(_("Unknown invoice."), "invoice_id")
    ensure_draft(invoice)
    if not (adjustment.label or "").strip():
        raise RuleViolation(_("The label is required."), "label")
    if adjustment.kind not in ("discount", "surcharge"):
        raise RuleViolation(_("An adjustment is a discount or a surcharge."), "kind")
    if adjustment.amount is None or Decimal(adjustment.amount) <= 0:
        raise RuleViolation(_("The amount must be positive."), "amount")
    return adjustment


def adjustments_changed(invoice_id: int) -> Decimal:
    """After an adjustment was added, edited or removed by a generic form or API call."""
    return recompute_total(db.session.get(Invoice, invoice_id))


def put_in_folder(invoice_ids, folder_id: Optional[int]) -> int:
    """Filing is bookkeeping, not content: validated invoices may be filed too."""
    db.session.execute(sa.update(Invoice).where(Invoice.id.in_(list(invoice_ids)))
                       .values(folder_id=folder_id))
    return len(invoice_ids)


def change_display_date(invoice_ids, moment: Optional[datetime] = None,
                        shift_days: Optional[int] = None) -> int:
    """Replace the portal display date-time of the invoices, or shift it by a number of days
    (those without one keep none). What the family reads on the invoice does not change."""
    if moment is None and shift_days is None:
        raise RuleViolation(_("Give a date and time, or a number of days."), "display_at")
    invoices = db.session.scalars(sa.select(Invoice).where(Invoice.id.in_(list(invoice_ids))))
    for invoice in invoices:
        if moment is not None:
            invoice.display_at = moment
        elif invoice.display_at is not None:
            invoice.display_at += timedelta(days=shift_days)
    db.session.flush()
    return len(invoice_ids)


def add_adjustment(invoice: Invoice, label: str, kind: str, amount, service_id=None,
                   person_id=None) -> Adjustment:
    ensure_draft(invoice)
    adjustment = Adjustment(invoice_id=invoice.id, label=label, kind=kind,
                            amount=Decimal(str(amount)), service_id=service_id,
                            person_id=person_id)
    check_adjustment(adjustment)
    invoice.adjustments.append(adjustment)
    recompute_total(invoice)
    db.session.flush()
    return adjustment


def delete_draft(invoice: Invoice) -> None:
    """A deleted draft gives its bookings back: they will be billed by the next generation."""
    ensure_draft(invoice)
    release_bookings(invoice)
    db.session.delete(invoice)
    db.session.flush()


def release_bookings(invoice: Invoice):
    """The bookings and marks a draft billed become billable again."""
    for line in invoice.lines:
        days = [date.fromisoformat(d) for d in line.date_list]
        for model in (Booking, Attendance):
            db.session.execute(sa.update(model).where(
                model.person_id == line.person_id, model.service_id == line.service_id,
                model.date.in_(days)).values(invoiced=False).execution_options(
                    synchronize_session=False))


# ---------------------------------------------------------------------------------------------
# Validation and credit notes


def _names_and_addresses(person_ids) -> tuple:
    """{person id: "LAST First"} and {person id: postal address of their first household}."""
    names, addresses = {}, {}
    for chunk in _chunks(sorted(set(person_ids))):
        for pid, last, first in db.session.execute(sa.select(
                Person.id, Person.last_name, Person.first_name).where(Person.id.in_(chunk))):
            names[pid] = f"{last.upper()} {first}"
        rows = db.session.execute(
            sa.select(HouseholdMember.person_id, Household.address_line, Household.postal_code,
                      Household.city).join(Household)
            .where(HouseholdMember.person_id.in_(chunk)).order_by(HouseholdMember.id))
        for pid, line, postal_code, city in rows:
            if pid not in addresses:
                town = f"{postal_code or ''} {city or ''}".strip()
                addresses[pid] = "\n".join(x for x in (line, town) if x)
    return names, addresses


def validate(invoice_ids) -> dict:
    """Number the drafts (all of them or none): per régie, year and kind, in id order, under
    the counter's lock. The names and address the family will read are frozen now.
    Returns {invoice id: number}."""
    ids = sorted({int(i) for i in invoice_ids or []})
    if not ids:
        raise RuleViolation(_("Choose the invoices to validate."), "ids")
    invoices = []
    for chunk in _chunks(ids):
        invoices += db.session.scalars(sa.select(Invoice).where(Invoice.id.in_(chunk))
                                       .order_by(Invoice.id).with_for_update()).all()
    invoices.sort(key=lambda i: i.id)
    if len(invoices) != len(ids):
        raise RuleViolation(_("Unknown invoice."), "ids")
    not_drafts = [i for i in invoices if i.status != "draft"]
    if not_drafts:
        raise RuleViolation(_("Nothing was validated: %(numbers)s are not drafts.",
                              numbers=", ".join(str(i) for i in not_drafts[:10])))
    names, addresses = _names_and_addresses(
        [i.payer_id for i in invoices] + [i.co_payer_id for i in invoices if i.co_payer_id])
    today, now = date.today(), utcnow()
    user_id = audit.current_user_id()
    numbers, audit_rows = {}, []
    groups = defaultdict(list)
    for invoice in invoices:
        groups[(invoice.regie_id, today.year, invoice.kind)].append(invoice)
    for (regie_id, year, kind), group in sorted(groups.items()):
        regie = db.session.get(Regie, regie_id)
        for invoice, number in zip(group, numbering.draw_numbers(regie, year, kind, len(group))):
            invoice.number = number
            invoice.status = "validated"
            invoice.issue_date = today
            invoice.validated_at = now
            invoice.payer_name = names.get(invoice.payer_id)
            invoice.co_payer_name = names.get(invoice.co_payer_id) if invoice.co_payer_id else None
            invoice.address = addresses.get(invoice.payer_id, "")
            numbers[invoice.id] = number
            audit_rows.append(dict(at=now, user_id=user_id, action="validate_invoice",
                                   entity="Invoice", entity_id=invoice.id, before=None,
                                   after={"number": number, "total": str(invoice.total)}))
    db.session.flush()
    for chunk in _chunks(audit_rows, 5000):
        db.session.execute(sa.insert(AuditLog), chunk)
    return numbers


def credit_note(invoice: Invoice, amount=None, reason: Optional[str] = None) -> Invoice:
    """An avoir against a validated invoice, validated and numbered in its own series at once."""
    if invoice.status != "validated" or invoice.kind != "invoice":
        raise RuleViolation(_("A credit note corrects a validated invoice."))
    credited = credited_amounts([invoice.id]).get(invoice.id, ZERO)
    room = Decimal(invoice.total) + credited
    value = room if amount in (None, "") else Decimal(str(amount))
    if value <= 0:
        raise RuleViolation(_("The amount of a credit note must be positive."), "amount")
    if value > room:
        raise RuleViolation(_("The credit note cannot exceed what is left on the invoice "
                              "(%(room)s).", room=room), "amount")
    note = Invoice(kind="credit_note", regie_id=invoice.regie_id, payer_id=invoice.payer_id,
                   co_payer_id=invoice.co_payer_id, status="draft",
                   period_start=invoice.period_start, period_end=invoice.period_end,
                   total=-value, credits_invoice_id=invoice.id,
                   reason=(reason or "").strip()[:250] or None, payer_name=invoice.payer_name,
                   co_payer_name=invoice.co_payer_name, display_at=invoice.display_at)
    db.session.add(note)
    db.session.flush()
    validate([note.id])
    return note
