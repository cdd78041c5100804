"""Turning bookings into invoices: drafts, adjustments, validation, credit notes, states.

Generation is set-based (DESIGN §5): one aggregate query finds, for every billable day, the
rule that covers it and returns the days grouped by payer, person and service; a few more load
tariffs, quotients and names; Python prices the groups; invoices and lines go in with bulk
INSERTs. A day is invoiced when an invoice line lists it, so nothing else is written, and
nothing is loaded or written per family or per booking.
"""
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple, Optional

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from app.services.calendar import today_in_town
from app.extensions import db
from app.formatting import money
from app.models import (
    Adjustment,
    Attendance,
    BillingRule,
    Booking,
    FamilyQuotient,
    Household,
    HouseholdMember,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    Person,
    Regie,
    Service,
    Subscription,
    Tariff,
)
from app.models.base import utcnow
from app.models.billing import (
    billed,
    billing_rule_subscription,
    rule_covers,
    week_is_covered,
    week_set_of,
)
from app.models.sql import iso_date_text
from app.services import RuleViolation, bulk, journal, numbering, problems_of, refuse_all
from app.services.bookings import check_range
from app.services.money import AmountError, parse_amount
from app.services.pricing import bracket_price, households_of, price_for

ZERO = Decimal("0.00")


# ---------------------------------------------------------------------------------------------
# States as users see them


class Settlement(NamedTuple):
    """What has reduced an invoice since it was issued: its credit notes (negative) and the
    allocations of its payments that were not rejected (positive)."""

    credited: Decimal = ZERO
    paid: Decimal = ZERO


def amount_due(invoice: Invoice, credited: Decimal = ZERO, paid: Decimal = ZERO) -> Decimal:
    """What is left to pay: the total less the credit notes issued against it and the
    payments allocated to it."""
    if invoice.kind == "credit_note" or invoice.status != "validated":
        return ZERO
    return max(ZERO, Decimal(invoice.total) + credited - paid)


def credited_amounts(invoice_ids) -> dict:
    """{invoice id: sum of its credit notes (negative)} in one query."""
    if not invoice_ids:
        return {}
    return dict(db.session.execute(sa.select(Invoice.credits_invoice_id, sa.func.sum(Invoice.total))
                                   .where(Invoice.credits_invoice_id.in_(list(invoice_ids)),
                                          Invoice.status == "validated")
                                   .group_by(Invoice.credits_invoice_id)).all())


def _paid_query():
    return (sa.select(PaymentAllocation.invoice_id, sa.func.sum(PaymentAllocation.amount))
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(Payment.status == "ok").group_by(PaymentAllocation.invoice_id))


def paid_amounts(invoice_ids) -> dict:
    """{invoice id: sum of the allocations of its payments not rejected} in one query."""
    if not invoice_ids:
        return {}
    return dict(db.session.execute(
        _paid_query().where(PaymentAllocation.invoice_id.in_(list(invoice_ids)))).all())


def settlements(invoice_ids) -> dict:
    """{invoice id: Settlement} for every id given (two queries, whatever their number)."""
    ids = list(invoice_ids)
    credited, paid = credited_amounts(ids), paid_amounts(ids)
    return {i: Settlement(credited.get(i, ZERO), paid.get(i, ZERO)) for i in ids}


def due_by_payer(payer_ids) -> dict:
    """{payer id: what their validated invoices still ask} (ZERO for who owes nothing)."""
    payer_ids = list(payer_ids)
    invoices = db.session.scalars(sa.select(Invoice).where(
        bulk.among(Invoice.payer_id, payer_ids), Invoice.status == "validated",
        Invoice.kind == "invoice")).all()
    settled = settlements([i.id for i in invoices])
    due = defaultdict(lambda: ZERO)
    for invoice in invoices:
        due[invoice.payer_id] += amount_due(invoice, *settled[invoice.id])
    return due


def settlement_of(invoice: Invoice) -> Settlement:
    return settlements([invoice.id])[invoice.id]


# The states users see, from an invoice's status, total, credit notes and payments. A credit
# note is not a payment: an invoice credited in full is cancelled; one credited in part is
# still unpaid for the rest. Something still due past the due date is to remind, paid in part
# or not (the reminder is what matters then). `state_of` (one invoice) and `state_condition`
# (SQL, for list filters) are the same rule; tests check them against each other.


def state_of(invoice: Invoice, credited: Decimal = ZERO, paid: Decimal = ZERO,
             today: Optional[date] = None) -> str:
    """draft, unpaid, partially_paid, paid, to_remind or cancelled. `state_of(invoice,
    *settlement_of(invoice))` for one invoice."""
    if invoice.status == "draft":
        return "draft"
    if invoice.status == "cancelled":
        return "cancelled"
    if invoice.kind == "credit_note":
        return "paid"
    if credited < 0 and Decimal(invoice.total) + credited <= 0:
        return "cancelled"
    if amount_due(invoice, credited, paid) <= 0:
        return "paid"
    if invoice.due_date and invoice.due_date < (today or today_in_town()):
        return "to_remind"
    if paid > 0:
        return "partially_paid"
    return "unpaid"


def settlement_columns() -> Settlement:
    """The Settlement of each row of a query on Invoice, as correlated SQL subqueries: what
    `state_condition` filters on and what set-based work (the direct-debit run) reads."""
    note = sa.orm.aliased(Invoice)
    credited = (sa.select(sa.func.coalesce(sa.func.sum(note.total), 0))
                .where(note.credits_invoice_id == Invoice.id, note.status == "validated")
                .correlate(Invoice).scalar_subquery())
    paid = (sa.select(sa.func.coalesce(sa.func.sum(PaymentAllocation.amount), 0))
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(PaymentAllocation.invoice_id == Invoice.id, Payment.status == "ok")
            .correlate(Invoice).scalar_subquery())
    return Settlement(credited, paid)


def state_condition(state: str, today: Optional[date] = None):
    """The SQL condition of a state, for filtering lists of invoices."""
    credited, paid = settlement_columns()
    # Money with money only (DESIGN: no SQL arithmetic mixing amounts and other numbers).
    left = Invoice.total + credited
    due = left - paid
    invoice = sa.and_(Invoice.status == "validated", Invoice.kind == "invoice")
    fully_credited = sa.and_(credited < 0, left <= 0)
    if state == "draft":
        return Invoice.status == "draft"
    if state == "cancelled":
        return sa.or_(Invoice.status == "cancelled", sa.and_(invoice, fully_credited))
    if state == "paid":
        return sa.or_(sa.and_(invoice, due <= 0, sa.not_(fully_credited)),
                      sa.and_(Invoice.status == "validated", Invoice.kind == "credit_note"))
    late = sa.and_(Invoice.due_date.isnot(None), Invoice.due_date < (today or today_in_town()))
    if state == "to_remind":
        return sa.and_(invoice, due > 0, late)
    if state == "partially_paid":
        return sa.and_(invoice, due > 0, sa.not_(late), paid > 0)
    return sa.and_(invoice, due > 0, sa.not_(late), paid <= 0)


def unpaid_invoices_of(person: Person) -> list:
    """Validated invoices of a payer that still have something to pay."""
    invoices = db.session.scalars(sa.select(Invoice).where(
        Invoice.payer_id == person.id, Invoice.status == "validated",
        Invoice.kind == "invoice")).all()
    settled = settlements([i.id for i in invoices])
    return [i for i in invoices if amount_due(i, *settled[i.id]) > 0]


def archive_guard(person: Person) -> list:
    """Registered in the register's archive guards: an adult with unpaid invoices stays."""
    if person.kind != "adult":
        return []
    unpaid = unpaid_invoices_of(person)
    if not unpaid:
        return []
    return [ngettext("%(num)s unpaid invoice (%(numbers)s) must be settled first.",
                     "%(num)s unpaid invoices (%(numbers)s) must be settled first.",
                     len(unpaid), numbers=", ".join(i.number for i in unpaid[:5]))]


# ---------------------------------------------------------------------------------------------
# Draft generation


def _billable_days(basis_of, start, end):
    """(model, conditions) pairs selecting the period's days not billed yet: bookings of
    services billed on bookings, less excused absences; presences and unexcused absences of
    services billed on attendance."""
    excused = sa.exists().where(
        Attendance.person_id == Booking.person_id, Attendance.service_id == Booking.service_id,
        Attendance.date == Booking.date, Attendance.status == "excused_absence")
    for basis, model, condition in (
            ("booking", Booking, ~excused),
            ("attendance", Attendance, Attendance.status.in_(["present", "unexcused_absence"]))):
        services = [s for s, service_basis in basis_of.items() if service_basis == basis]
        if services:
            yield model, (model.service_id.in_(services), model.date >= start, model.date <= end,
                          condition, ~billed(model.person_id, model.service_id, model.date))


def _days_by_payer(basis_of, start, end):
    """One row per (payer, co-payer, person, service) with the list of its days (ISO texts,
    in no particular order): the database finds the rule covering each day (subscription,
    dates, ISO-week criterion). Days no rule covers come with a NULL payer.

    Plain joins for the covered days and a NOT EXISTS for the others, one pair per billing
    basis, in one UNION ALL: so both databases plan straight from the booking (or attendance)
    table and its indexes; an outer join onto the subscription-rule join made SQLite scan that
    join for every booking."""
    rule, subscription = BillingRule.__table__, Subscription.__table__
    link = billing_rule_subscription
    no_payer = sa.cast(sa.null(), sa.Integer)
    selects = []
    for model, billable in _billable_days(basis_of, start, end):
        covering = sa.and_(
            subscription.c.person_id == model.person_id,
            subscription.c.service_id == model.service_id,
            subscription.c.start_date <= model.date,
            sa.or_(subscription.c.end_date.is_(None), subscription.c.end_date >= model.date),
            link.c.subscription_id == subscription.c.id, rule.c.id == link.c.billing_rule_id,
            rule_covers(rule, model.date))
        child = (model.person_id, model.service_id)
        days = sa.func.aggregate_strings(iso_date_text(model.date), ",")
        selects.append(sa.select(rule.c.payer_id, rule.c.co_payer_id, *child, days).where(
            *billable, covering).group_by(rule.c.payer_id, rule.c.co_payer_id, *child))
        selects.append(sa.select(no_payer, no_payer, *child, days).where(
            *billable, ~sa.exists().where(covering)).group_by(*child))
    return db.session.execute(sa.union_all(*selects)).all()


def _names(person_ids) -> dict:
    """{person id: "LAST First"}, as invoices print them."""
    return {pid: f"{last.upper()} {first}" for pid, last, first in db.session.execute(
        sa.select(Person.id, Person.last_name, Person.first_name).where(
            bulk.among(Person.id, person_ids)))}


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
        for person_id, household_id in db.session.execute(
                sa.select(HouseholdMember.person_id, HouseholdMember.household_id)
                .where(bulk.among(HouseholdMember.person_id, payer_ids))):
            self.homes[person_id].append(household_id)
        for q in db.session.execute(sa.select(
                FamilyQuotient.household_id, FamilyQuotient.value, FamilyQuotient.start_date,
                FamilyQuotient.end_date).where(
                FamilyQuotient.household_id.in_(sa.select(HouseholdMember.household_id).where(
                    bulk.among(HouseholdMember.person_id, payer_ids))),
                FamilyQuotient.start_date <= end,
                sa.or_(FamilyQuotient.end_date.is_(None), FamilyQuotient.end_date >= start))):
            self.quotients[q.household_id].append(q)
        self.start, self.end = start, end
        self._steady_tariffs = {
            service_id: found[0] for service_id, found in self.tariffs.items()
            if len(found) == 1 and _in(start, found[0][0], found[0][1])
            and _in(end, found[0][0], found[0][1])}
        self._cache, self._steady_quotients = {}, {}

    def _price(self, found, quotient_values) -> Decimal:
        if found[2] is not None:
            return Decimal(found[2])
        key = (found[3].id, min(quotient_values) if quotient_values else None)
        if key not in self._cache:
            self._cache[key] = Decimal(bracket_price(found[3], key[1])[0])
        return self._cache[key]

    def _quotients(self, payer_id):
        return [q for h in self.homes[payer_id] for q in self.quotients[h]]

    def price(self, service_id, payer_id, day) -> Optional[Decimal]:
        """The unit price on a day (None: no tariff that day)."""
        found = next((t for t in self.tariffs[service_id] if _in(day, t[0], t[1])), None)
        if found is None:
            return None
        return self._price(found, [q.value for q in self._quotients(payer_id)
                                   if _in(day, q.start_date, q.end_date)])

    def steady_price(self, service_id, payer_id) -> Optional[Decimal]:
        """The unit price when one tariff and the payer's quotient hold over the whole period
        (the usual month); None when something changes in between: then price day by day."""
        tariff = self._steady_tariffs.get(service_id)
        if tariff is None:
            return None
        if tariff[2] is not None:
            return Decimal(tariff[2])
        if payer_id not in self._steady_quotients:
            quotients = self._quotients(payer_id)
            self._steady_quotients[payer_id] = (
                [q.value for q in quotients] if all(
                    _in(self.start, q.start_date, q.end_date)
                    and _in(self.end, q.start_date, q.end_date) for q in quotients) else None)
        values = self._steady_quotients[payer_id]
        return None if values is None else self._price(tariff, values)


def covering_rules(person_id: int, service_ids, days) -> dict:
    """{(service id, day): (payer id, co-payer id)} of the billing rule covering each day of
    this person's subscriptions to these services (dates, ISO-week criterion), in one query.
    Days no rule covers are absent."""
    days = sorted(days)
    if not days or not service_ids:
        return {}
    start, end = days[0], days[-1]
    rule, link = BillingRule, billing_rule_subscription
    covering = defaultdict(list)
    for row in db.session.execute(
            sa.select(Subscription.service_id, Subscription.start_date.label("sub_start"),
                      Subscription.end_date.label("sub_end"), rule.payer_id, rule.co_payer_id,
                      rule.start_date, rule.end_date, rule.criterion, rule.weeks)
            .join(link, link.c.subscription_id == Subscription.id)
            .join(rule, rule.id == link.c.billing_rule_id)
            .where(Subscription.person_id == person_id,
                   Subscription.service_id.in_(list(service_ids)),
                   Subscription.start_date <= end,
                   sa.or_(Subscription.end_date.is_(None), Subscription.end_date >= start),
                   rule.start_date <= end, sa.or_(rule.end_date.is_(None), rule.end_date >= start))
            .order_by(rule.start_date, rule.id)):
        covering[row.service_id].append(row)
    holders = {}
    for service_id, rows in covering.items():
        for day in days:
            week = day.isocalendar()[1]
            for row in rows:
                if (_in(day, row.sub_start, row.sub_end) and _in(day, row.start_date, row.end_date)
                        and week_is_covered(row.criterion, week_set_of(row.weeks), week)):
                    holders[(service_id, day)] = (row.payer_id, row.co_payer_id)
                    break
    return holders


def payers_and_prices(person_id: int, service_ids, days) -> dict:
    """{(service id, day): (payer id, payer name, unit price or None)} for the days a billing
    rule covers: the payer that day's rule names and the price billing will charge them
    (their own household's quotient), from the same rules and the same price book as
    generation. Days no rule covers are absent."""
    payer_of = {pair: payer_id for pair, (payer_id, _co_payer) in
                covering_rules(person_id, service_ids, days).items()}
    if not payer_of:
        return {}
    days = sorted(days)
    payer_ids = set(payer_of.values())
    prices, names = (_PriceBook(set(service_ids), payer_ids, days[0], days[-1]),
                     _names(payer_ids))
    return {(service_id, day): (payer_id, names.get(payer_id), prices.price(service_id, payer_id,
                                                                           day))
            for (service_id, day), payer_id in payer_of.items()}


def payers_explained(person: Person, services, days, charges) -> list:
    """[(service, payer name, PriceQuote)] once per payer of each service over `days`: why
    that payer pays that price (their own household's quotient), for the booking grid."""
    explained = []
    for service in services:
        first_day_of = {}
        for day in days:
            charge = charges.get((service.id, day))
            if charge is not None:
                first_day_of.setdefault(charge[0], (day, charge[1]))
        for payer_id, (day, payer_name) in first_day_of.items():
            explained.append((service, payer_name, price_for(
                service, person, day, household_ids=households_of(payer_id))))
    return explained


def _line(person_id, service_id, person_name, service_name, price, days):
    """An invoice line for `days` (sorted ISO texts) at one unit price."""
    return dict(person_id=person_id, service_id=service_id, person_name=person_name,
                service_name=service_name, quantity=len(days), unit_price=price,
                amount=(price * len(days)).quantize(Decimal("0.01")), dates=",".join(days),
                first_date=date.fromisoformat(days[0]), last_date=date.fromisoformat(days[-1]))


def generate_drafts(regie_id: int, service_ids, period_start: date, period_end: date,
                    due_date: Optional[date] = None, debit_date: Optional[date] = None,
                    display_at: Optional[datetime] = None, progress=None) -> dict:
    """“Créer un groupe de factures”: one draft per payer for the period's billable days of
    the chosen services. Returns the new invoice ids and the days no rule covers."""
    with bulk.paused_garbage_collector():
        return _generate_drafts(regie_id, service_ids, period_start, period_end, due_date,
                                debit_date, display_at,
                                progress or (lambda percent, message=None: None))


def generation_defaults(today: date, regie: Optional[Regie] = None) -> dict:
    """What « Créer un groupe de factures » proposes: last month, due after the régie's payment
    term, or at the end of the next month when it has none."""
    period_end = today.replace(day=1) - timedelta(days=1)
    if regie is not None and regie.payment_term_days is not None:
        due_date = today + timedelta(days=regie.payment_term_days)
    else:
        next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
        due_date = (next_month.replace(day=28) + timedelta(days=4)).replace(day=1) \
            - timedelta(days=1)
    return {"period_start": period_end.replace(day=1), "period_end": period_end,
            "due_date": due_date}


def check_generation(regie_id: int, service_ids, period_start: date, period_end: date,
                     due_date: Optional[date] = None, lock: bool = False) -> tuple:
    """What a group of invoices asks for must make sense, checked before the job is queued
    and again when it runs. Returns (régie, {service id: service}). With `lock`, two
    generations for one régie wait for each other, so the second sees the first's lines and
    bills nothing twice. Every mistake is refused at once."""
    problems = problems_of(check_range, period_start, period_end, rename=lambda field: {
        "start_date": "period_start", "end_date": "period_end"}.get(field, field))
    regie = db.session.get(Regie, regie_id, with_for_update=lock) if regie_id else None
    if regie is None:
        problems.append(("regie_id", _("Unknown régie.")))
    elif regie.mode == "prepaid":
        problems.append(("regie_id", _(
            "The régie %(regie)s works prepaid: its bookings are debited from the families' "
            "accounts, there is no invoice to create.", regie=regie.name)))
    services = {s.id: s for s in db.session.scalars(sa.select(Service).where(
        Service.id.in_(list(service_ids or []))))}
    if not services:
        problems.append(("service_ids", _("Choose at least one service.")))
    elif regie is not None and any(s.regie_id != regie.id for s in services.values()):
        problems.append(("service_ids", _("Every service must belong to the chosen régie.")))
    if due_date and period_start and due_date < period_start:
        problems.append(("due_date", _("The due date cannot be before the period.")))
    refuse_all(problems)
    return regie, services


def _generate_drafts(regie_id, service_ids, period_start, period_end, due_date, debit_date,
                     display_at, progress) -> dict:
    regie, services = check_generation(regie_id, service_ids, period_start, period_end,
                                       due_date, lock=True)
    rows = _days_by_payer({s.id: s.billing_basis for s in services.values()},
                          period_start, period_end)
    progress(40)

    # Children, payers and co-payers in one query.
    names = _names({person for row in rows for person in row[:3] if person})
    billed_days = defaultdict(list)  # payer -> [(person, service, name, days)]
    co_payers, unbilled = {}, []
    for payer_id, co_payer_id, person_id, service_id, dates in sorted(
            rows, key=lambda r: (r[0] or 0, r[2], r[3], r[1] or 0)):
        days = sorted(dates.split(","))
        name = names[person_id]
        if payer_id is None:
            unbilled += [{"person_id": person_id, "service_id": service_id, "date": day,
                          "person_name": name} for day in days]
            continue
        billed_days[payer_id].append((person_id, service_id, name, days))
        if co_payer_id and payer_id not in co_payers:
            co_payers[payer_id] = co_payer_id
    progress(50)

    prices = _PriceBook(services, billed_days, period_start, period_end)
    batch_id = str(uuid.uuid4())
    now = utcnow()
    invoice_rows, line_groups, no_price = [], [], []
    for payer_id, groups in billed_days.items():
        lines = []
        for person_id, service_id, name, days in groups:
            service_name = services[service_id].name
            price = prices.steady_price(service_id, payer_id)
            if price is not None:
                lines.append(_line(person_id, service_id, name, service_name, price, days))
                continue
            by_price = defaultdict(list)
            for day in days:
                by_price[prices.price(service_id, payer_id, date.fromisoformat(day))].append(day)
            no_price += [{"person_id": person_id, "service_id": service_id, "date": day}
                         for day in by_price.pop(None, [])]
            lines += [_line(person_id, service_id, name, service_name, price, priced)
                      for price, priced in sorted(by_price.items())]
        if not lines:
            continue
        invoice_rows.append(dict(
            kind="invoice", regie_id=regie.id, payer_id=payer_id,
            co_payer_id=co_payers.get(payer_id), status="draft", number=None,
            period_start=period_start, period_end=period_end, due_date=due_date,
            debit_date=debit_date, display_at=display_at,
            total=sum((line["amount"] for line in lines), ZERO), batch_id=batch_id,
            payer_name=names.get(payer_id),
            co_payer_name=names.get(co_payers.get(payer_id)), created_at=now))
        line_groups.append(lines)
    progress(65)

    # One draft per payer in this batch: the ids come back by payer in one query. The lines are
    # the record of what is billed: nothing else is written.
    bulk.insert_rows(Invoice, invoice_rows)
    id_of_payer = dict(db.session.execute(sa.select(Invoice.payer_id, Invoice.id).where(
        Invoice.batch_id == batch_id)).all())
    invoice_ids = [id_of_payer[row["payer_id"]] for row in invoice_rows]
    bulk.insert_rows(InvoiceLine, [dict(line, invoice_id=invoice_id) for invoice_id, lines
                                   in zip(invoice_ids, line_groups) for line in lines])
    db.session.flush()
    progress(95)
    return {
        "batch_id": batch_id,
        "invoice_ids": invoice_ids,
        "unbilled": sorted(unbilled, key=lambda i: (i["person_name"], i["date"])),
        "unpriced": no_price,
    }


def summary(invoice_ids, drafts_only: bool = False) -> dict:
    """What a régisseur reads before and after acting on a set of invoices: how many, their
    total and what is still to pay, their payers, and which of them are still drafts. Three
    queries."""
    query = sa.select(Invoice.id, Invoice.status, Invoice.kind, Invoice.total,
                      Invoice.payer_id, Invoice.payer_name).where(
        bulk.among(Invoice.id, invoice_ids))
    if drafts_only:
        query = query.where(Invoice.status == "draft")
    rows = db.session.execute(query.order_by(Invoice.payer_name, Invoice.id)).all()
    settled = settlements([row.id for row in rows
                           if row.status == "validated" and row.kind == "invoice"])
    return {"ids": [row.id for row in rows],
            "count": len(rows),
            "total": sum((Decimal(row.total) for row in rows), ZERO),
            # What is still to be paid on them, the figure a régisseur follows.
            "due": sum((max(ZERO, Decimal(row.total) + settled[row.id].credited
                            - settled[row.id].paid)
                        for row in rows if row.id in settled), ZERO),
            "draft_ids": [row.id for row in rows if row.status == "draft"],
            "payers": list(dict.fromkeys((row.payer_id, row.payer_name) for row in rows))}


def batch_invoice_ids(batch_id: str) -> list:
    return list(db.session.scalars(sa.select(Invoice.id).where(Invoice.batch_id == batch_id)
                                   .order_by(Invoice.payer_name, Invoice.id)))


def unbilled_report(result: dict) -> list:
    """The days a generation left out, for people: who, which service, which day and why
    (no billing rule covers it, or no tariff prices it), ordered by name and day."""
    days = [dict(day, reason="no_rule") for day in result.get("unbilled") or []]
    days += [dict(day, reason="no_tariff") for day in result.get("unpriced") or []]
    if not days:
        return []
    people = {pid: (f"{last.upper()} {first}", kind) for pid, last, first, kind in
              db.session.execute(sa.select(Person.id, Person.last_name, Person.first_name,
                                           Person.kind).where(
                  Person.id.in_({d["person_id"] for d in days})))}
    services = dict(db.session.execute(sa.select(Service.id, Service.name).where(
        Service.id.in_({d["service_id"] for d in days}))).all())
    return sorted(({"person_id": d["person_id"], "person_name": people[d["person_id"]][0],
                    "person_kind": people[d["person_id"]][1],
                    "service_name": services.get(d["service_id"], ""),
                    "date": date.fromisoformat(str(d["date"])), "reason": d["reason"]}
                   for d in days), key=lambda d: (d["person_name"], d["date"]))


def presences_without_booking(service_ids, start: date, end: date) -> list:
    """Children (or adults) marked present on a day they had no booking for, in the period,
    for the agent to check before validating: who, which service, which day, and whether an
    invoice bills that day. Only services billed on attendance bill such a presence; on a
    service billed on bookings it is never billed (book the day, then bill it). One query."""
    booked = sa.exists().where(Booking.person_id == Attendance.person_id,
                               Booking.service_id == Attendance.service_id,
                               Booking.date == Attendance.date)
    rows = db.session.execute(
        sa.select(Attendance.person_id, Attendance.service_id, Attendance.date,
                  Attendance.billed, Person.last_name, Person.first_name, Person.kind,
                  Service.name, Service.billing_basis)
        .join(Person, Person.id == Attendance.person_id)
        .join(Service, Service.id == Attendance.service_id)
        .where(Attendance.service_id.in_(list(service_ids)), Attendance.date >= start,
               Attendance.date <= end, Attendance.status == "present", ~booked)
        .order_by(Person.search_name, Attendance.date, Service.name)).all()
    return [{"person_id": row.person_id, "person_name": f"{row.last_name.upper()} {row.first_name}",
             "person_kind": row.kind, "service_id": row.service_id, "service_name": row.name,
             "date": row.date, "billing_basis": row.billing_basis, "billed": bool(row.billed)}
            for row in rows]


def generation_presences_without_booking(params: dict) -> list:
    """The presences without booking of a generation's period and services (its job's
    parameters), as they stand now."""
    return presences_without_booking(params.get("service_ids") or [],
                                     date.fromisoformat(params["period_start"]),
                                     date.fromisoformat(params["period_end"]))


# ---------------------------------------------------------------------------------------------
# Drafts: editing, adjustments, deletion


def ensure_draft(invoice: Invoice) -> None:
    if invoice.status != "draft":
        raise RuleViolation(_("Invoice %(number)s is validated: it can no longer change; "
                              "correct it with a credit note.", number=invoice.number))


def lock_invoice(invoice_id) -> Optional[Invoice]:
    """The invoice, its row locked until the transaction ends (PostgreSQL; SQLite writers are
    serialised anyway), its status and total read afresh: a validation, a credit note or an
    adjustment running at the same moment waits instead of racing."""
    status = db.session.execute(sa.select(Invoice.status, Invoice.total)
                                .where(Invoice.id == invoice_id).with_for_update()).first()
    if status is None:
        return None
    invoice = db.session.get(Invoice, invoice_id)
    sa.orm.attributes.set_committed_value(invoice, "status", status.status)
    sa.orm.attributes.set_committed_value(invoice, "total", status.total)
    return invoice


def lock_draft(invoice_id) -> Invoice:
    invoice = lock_invoice(invoice_id)
    if invoice is None:
        raise RuleViolation(_("Unknown invoice."), "invoice_id")
    ensure_draft(invoice)
    return invoice


def recompute_total(invoice: Invoice, adjustment: Optional[Adjustment] = None,
                    removed: bool = False) -> Decimal:
    """Lines plus adjustments, never below zero. `adjustment`, being saved or `removed`, is
    counted as it will be after the write, whether or not the collection holds it yet."""
    lines = sum((Decimal(line.amount) for line in invoice.lines), ZERO)
    adjustments = [a for a in invoice.adjustments if a is not adjustment
                   and (adjustment is None or a.id is None or a.id != adjustment.id)]
    if adjustment is not None and not removed:
        adjustments.append(adjustment)
    invoice.total = max(ZERO, lines + sum((Decimal(a.signed_amount) for a in adjustments), ZERO))
    return invoice.total


def _invoice_id_of(adjustment: Adjustment):
    """The invoice an adjustment is going to: a form sets the relation, the API the key."""
    if sa.inspect(adjustment).attrs.invoice.history.added and adjustment.invoice is not None:
        return adjustment.invoice.id
    if adjustment.invoice_id is not None:
        return adjustment.invoice_id
    return adjustment.invoice.id if adjustment.invoice is not None else None


def check_adjustment(adjustment: Adjustment, invoice: Optional[Invoice] = None) -> Adjustment:
    invoice = invoice or adjustment.invoice or db.session.get(Invoice, adjustment.invoice_id)
    if invoice is None:
        raise RuleViolation(_("Unknown invoice."), "invoice_id")
    ensure_draft(invoice)
    if not (adjustment.label or "").strip():
        raise RuleViolation(_("The label is required."), "label")
    if adjustment.kind not in ("discount", "surcharge"):
        raise RuleViolation(_("An adjustment is a discount or a surcharge."), "kind")
    if adjustment.amount is None or Decimal(adjustment.amount) <= 0:
        raise RuleViolation(_("The amount must be positive."), "amount")
    try:
        parse_amount(adjustment.amount)
    except AmountError as exc:
        raise RuleViolation(str(exc), "amount") from None
    person_id = adjustment.person_id or (adjustment.person.id if adjustment.person else None)
    service_id = adjustment.service_id or (adjustment.service.id if adjustment.service else None)
    in_scope = [line for line in invoice.lines
                if person_id in (None, line.person_id) and service_id in (None, line.service_id)]
    if (person_id or service_id) and not in_scope:
        raise RuleViolation(_("The invoice has no line for this child and service."),
                            "person_id" if person_id else "service_id")
    if adjustment.kind == "discount":
        others = sum((Decimal(a.signed_amount) for a in invoice.adjustments
                      if a is not adjustment and (a.id is None or a.id != adjustment.id)), ZERO)
        room = min(sum((Decimal(line.amount) for line in in_scope), ZERO),
                   sum((Decimal(line.amount) for line in invoice.lines), ZERO) + others)
        if Decimal(adjustment.amount) > room:
            raise RuleViolation(_("The discount cannot be more than %(room)s, what is left to "
                                  "pay on what it reduces.", room=money(max(room, ZERO))),
                                "amount")
    return adjustment


def save_adjustment(adjustment: Adjustment) -> Adjustment:
    """Before an adjustment is added or changed, by a form or the API: the invoice it was on and
    the one it goes to are locked and must both be drafts (an adjustment never leaves or
    reaches a validated invoice), the rules hold, and both totals change in the same
    transaction as the adjustment."""
    target_id = _invoice_id_of(adjustment)
    stored = None
    if adjustment.id is not None:
        with db.session.no_autoflush:  # the stored adjustment, not the one being set
            stored = db.session.execute(sa.select(*_ADJUSTMENT_FIELDS)
                                        .where(Adjustment.id == adjustment.id)).first()
    previous_id = stored.invoice_id if stored is not None else None
    invoices = {i: lock_draft(i) for i in sorted({target_id, previous_id} - {None})}
    if target_id is None:
        raise RuleViolation(_("Unknown invoice."), "invoice_id")
    target = invoices[target_id]
    check_adjustment(adjustment, target)
    totals = {i: invoice.total for i, invoice in invoices.items()}
    if previous_id is not None and previous_id != target_id:
        recompute_total(invoices[previous_id], adjustment, removed=True)
    recompute_total(target, adjustment)
    journal.record("adjustment_change" if stored is not None else "adjustment_add",
                   "Invoice", target_id,
                   before={"adjustment": dict(stored._mapping) if stored else None,
                           "totals": totals},
                   after={"adjustment": _adjustment_state(adjustment, target_id),
                          "totals": {i: invoice.total for i, invoice in invoices.items()}})
    return adjustment


_ADJUSTMENT_FIELDS = (Adjustment.id, Adjustment.invoice_id, Adjustment.label, Adjustment.kind,
                      Adjustment.amount, Adjustment.person_id, Adjustment.service_id)


def _adjustment_state(adjustment: Adjustment, invoice_id) -> dict:
    """What the journal keeps of an adjustment (a form may have set the relations only)."""
    return {"id": adjustment.id, "invoice_id": invoice_id, "label": adjustment.label,
            "kind": adjustment.kind, "amount": Decimal(adjustment.amount),
            "person_id": adjustment.person_id or (adjustment.person.id
                                                  if adjustment.person else None),
            "service_id": adjustment.service_id or (adjustment.service.id
                                                    if adjustment.service else None)}


def remove_adjustment(adjustment: Adjustment) -> None:
    """Before an adjustment is deleted: only from a locked draft, whose total follows."""
    invoice = lock_draft(adjustment.invoice_id)
    before = invoice.total
    recompute_total(invoice, adjustment, removed=True)
    journal.record("adjustment_remove", invoice,
                   before={"adjustment": _adjustment_state(adjustment, invoice.id),
                           "totals": {invoice.id: before}},
                   after={"adjustment": None, "totals": {invoice.id: invoice.total}})


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
    adjustment = Adjustment(invoice_id=invoice.id, label=label, kind=kind,
                            amount=_amount(amount), service_id=service_id, person_id=person_id)
    save_adjustment(adjustment)
    db.session.get(Invoice, invoice.id).adjustments.append(adjustment)
    db.session.flush()
    return adjustment


def _amount(value) -> Decimal:
    try:
        return parse_amount(value)
    except AmountError as exc:
        raise RuleViolation(str(exc), "amount") from None


def delete_draft(invoice: Invoice) -> None:
    """A deleted draft gives its bookings back: they will be billed by the next generation."""
    lock_draft(invoice.id)
    db.session.delete(invoice)
    db.session.flush()


# ---------------------------------------------------------------------------------------------
# Validation and credit notes


def postal_addresses(person_ids) -> dict:
    """{person id: [address lines] of their first household} — invoices, certificates and
    the letters of messages alike."""
    addresses = {}
    for pid, line, postal_code, city in db.session.execute(
            sa.select(HouseholdMember.person_id, Household.address_line, Household.postal_code,
                      Household.city).join(Household)
            .where(bulk.among(HouseholdMember.person_id, list(person_ids)))
            .order_by(HouseholdMember.id)):
        if pid not in addresses:
            town = f"{postal_code or ''} {city or ''}".strip()
            addresses[pid] = [x for x in (line, town) if x]
    return addresses


def _names_and_addresses(person_ids) -> tuple:
    """{person id: "LAST First"} and {person id: postal address of their first household}."""
    person_ids = set(person_ids)
    return _names(person_ids), {pid: "\n".join(lines)
                                for pid, lines in postal_addresses(person_ids).items()}


def validate(invoice_ids, journal_it: bool = True) -> dict:
    """Number the drafts (all of them or none): per régie, year and kind, in id order, under
    the counter's lock. The names and address the family will read are frozen now.
    Returns {invoice id: number}."""
    ids = sorted({int(i) for i in invoice_ids or []})
    if not ids:
        raise RuleViolation(_("Choose the invoices to validate."), "ids")
    with bulk.paused_garbage_collector():
        return _validate(ids, journal_it)


def _validate(ids, journal_it: bool) -> dict:
    invoices = db.session.scalars(sa.select(Invoice).where(bulk.among(Invoice.id, ids))
                                  .order_by(Invoice.id).with_for_update()).all()
    if len(invoices) != len(ids):
        raise RuleViolation(_("Unknown invoice."), "ids")
    not_drafts = [i for i in invoices if i.status != "draft"]
    if not_drafts:
        raise RuleViolation(_("Nothing was validated: %(numbers)s are not drafts.",
                              numbers=", ".join(str(i) for i in not_drafts[:10])))
    names, addresses = _names_and_addresses(
        [i.payer_id for i in invoices] + [i.co_payer_id for i in invoices if i.co_payer_id])
    today, now = today_in_town(), utcnow()
    numbers = {}
    groups = defaultdict(list)
    for invoice in invoices:
        groups[(invoice.regie_id, today.year, invoice.kind)].append(invoice)
    for (regie_id, year, kind), group in sorted(groups.items()):
        regie = db.session.get(Regie, regie_id)
        for invoice, number in zip(group, numbering.draw_numbers(regie, year, kind, len(group))):
            invoice.number = number
            invoice.regie_name, invoice.regie_code = regie.name, regie.code
            invoice.status = "validated"
            invoice.issue_date = today
            invoice.validated_at = now
            invoice.payer_name = names.get(invoice.payer_id)
            invoice.co_payer_name = names.get(invoice.co_payer_id) if invoice.co_payer_id else None
            invoice.address = addresses.get(invoice.payer_id, "")
            numbers[invoice.id] = number
    db.session.flush()
    if journal_it:
        journal.record("validate_invoices", "Invoice", ids[0] if len(ids) == 1 else None,
                       before={"status": "draft", "invoices": ids},
                       after=validated_state(invoices))
    return numbers


def validated_state(invoices) -> dict:
    """What the journal keeps of validated invoices: each one's number and total, and the
    day they were issued (one row for a whole batch)."""
    return {"status": "validated", "issue_date": today_in_town(), "count": len(invoices),
            "total": sum((Decimal(i.total) for i in invoices), ZERO),
            "invoices": {i.id: {"number": i.number, "total": Decimal(i.total),
                                "payer_id": i.payer_id} for i in invoices}}


def credit_note(invoice: Invoice, amount=None, reason: Optional[str] = None,
                cancelled_lines=None) -> Invoice:
    """An avoir against a validated invoice, validated and numbered in its own series at once.

    Either for an amount (a gesture: nothing is released), or naming what it cancels:
    `cancelled_lines` is [(invoice line id, [ISO days] or None for all its remaining days)].
    The cancelled days are released: staff can correct those bookings, and the next
    generation bills them again on a new invoice. The invoice row is locked first, so two
    credit notes at once can never take more than remains."""
    # The payer first, then the invoice, as payments, runs and rejects lock them: a credit
    # note may give money back to the payer's account.
    db.session.execute(sa.select(Person.id).where(Person.id == invoice.payer_id)
                       .with_for_update())
    invoice = lock_invoice(invoice.id)
    if invoice is None or invoice.status != "validated" or invoice.kind != "invoice":
        raise RuleViolation(_("A credit note corrects a validated invoice."))
    credited = credited_amounts([invoice.id]).get(invoice.id, ZERO)
    room = Decimal(invoice.total) + credited
    if room <= 0:
        raise RuleViolation(_("Invoice %(number)s is already credited in full.",
                              number=invoice.number))
    note_lines = []
    if cancelled_lines:
        if amount not in (None, ""):
            raise RuleViolation(_("A credit note that cancels days takes their price: give "
                                  "the days or an amount, not both."), "amount")
        note_lines = _cancelling_lines(invoice, cancelled_lines)
        value = min(room, -sum((line["amount"] for line in note_lines), ZERO))
    else:
        value = room if amount in (None, "") else _amount(amount)
    if value <= 0:
        raise RuleViolation(_("The amount of a credit note must be positive."), "amount")
    if value > room:
        raise RuleViolation(_("The credit note cannot exceed what is left on the invoice "
                              "(%(room)s).", room=money(room)), "amount")
    note = Invoice(kind="credit_note", regie_id=invoice.regie_id, payer_id=invoice.payer_id,
                   co_payer_id=invoice.co_payer_id, status="draft",
                   period_start=invoice.period_start, period_end=invoice.period_end,
                   total=-value, credits_invoice_id=invoice.id,
                   reason=(reason or "").strip()[:250] or None, payer_name=invoice.payer_name,
                   co_payer_name=invoice.co_payer_name, display_at=invoice.display_at)
    note.lines = [InvoiceLine(**line) for line in note_lines]
    already = -sum((line["amount"] for line in note_lines), ZERO) - value
    if already > 0:
        # The days cost more than what remains (a discount, an earlier credit note): the note
        # says so in a line of its own, so that it adds up on screen and on paper.
        note.adjustments = [Adjustment(label=_("Already deducted (discounts, earlier credit "
                                               "notes)"), kind="surcharge", amount=already)]
    db.session.add(note)
    db.session.flush()
    validate([note.id], journal_it=False)
    # What was paid beyond what the invoice now asks goes back to the payer's account.
    from app.services import payments

    released = payments.release_excess(invoice)
    journal.record("credit_note", invoice, before={"credited": -credited, "left": room}, after={
        "credit_note_id": note.id, "number": note.number, "amount": value,
        "credited": value - credited, "left": room - value, "reason": note.reason,
        "cancelled": [{"line_id": line["cancels_line_id"], "days": line["dates"],
                       "amount": line["amount"]} for line in note_lines],
        "given_back_to_account": released})
    return note


def cancelled_days(line_ids) -> dict:
    """{invoice line id: set of its ISO days already cancelled by credit notes}."""
    found = defaultdict(set)
    for line_id, dates in db.session.execute(
            sa.select(InvoiceLine.cancels_line_id, InvoiceLine.dates)
            .where(InvoiceLine.cancels_line_id.in_(list(line_ids)))):
        found[line_id].update(d for d in dates.split(",") if d)
    return found


def _cancelling_lines(invoice: Invoice, cancelled_lines) -> list:
    lines = {line.id: line for line in invoice.lines}
    already = cancelled_days(lines)
    rows = []
    for line_id, days in cancelled_lines:
        line = lines.get(line_id)
        if line is None:
            raise RuleViolation(_("This line is not on invoice %(number)s.",
                                  number=invoice.number), "lines")
        remaining = [d for d in line.date_list if d not in already[line.id]]
        wanted = remaining if not days else sorted(set(days))
        unknown = [d for d in wanted if d not in remaining]
        if unknown:
            raise RuleViolation(_("%(days)s: not billed on this line, or already cancelled.",
                                  days=", ".join(unknown[:5])), "lines")
        if not wanted:
            continue
        rows.append(dict(person_id=line.person_id, service_id=line.service_id,
                         person_name=line.person_name, service_name=line.service_name,
                         quantity=len(wanted), unit_price=line.unit_price,
                         amount=-Decimal(line.unit_price) * len(wanted), dates=",".join(wanted),
                         first_date=date.fromisoformat(wanted[0]),
                         last_date=date.fromisoformat(wanted[-1]), cancels_line_id=line.id))
    if not rows:
        raise RuleViolation(_("Nothing left to cancel on these lines."), "lines")
    return rows
