"""Attestations de frais de garde (CGI art. 200 quater B): what a payer actually paid, in a
period of one calendar year, for the care of their children under 6 on 1 January of that year.

The rules, as the régie certifies them:

- Only services marked tax-deductible, among those the user chose (care, never meals).
- Only children born after 1 January of (year − 6): a child whose sixth birthday falls on or
  before 1 January is out for the whole year. A child without a birth date is left out.
- Only money actually paid in the period: the allocations to validated invoices of payments
  dated in the period and not rejected. A payment is « paid » on its own date, even when its
  money waited on the payer's account before being put on the invoice.
- An invoice's payments settle it in date order, and never beyond what is left of it once its
  credit notes are deducted (the excess went back to the payer's account): what was paid in
  the period is min(net, paid up to the end) − min(net, paid before the start).
- What was paid on an invoice is shared between its lines in proportion to what each child's
  service still costs on it: the lines, less the reductions (plus the surcharges) aimed at
  that child's service, less the credit-note lines that cancel its days. A credit note that
  cancels days of care thus takes those days out of what was paid for care; a credit note for
  an amount (a gesture), like a reduction on the whole invoice, lowers every line alike.
- One certificate per payer and régie (the régie received the money), listing each child; or,
  per child, one per payer, régie and child. Either way a certificate names the adult who paid:
  the tax credit is theirs.

Amounts are exact Decimals: an invoice's payment is cut into cents so that its parts add up to
what was paid (the remainder goes, cent by cent, to the parts the rounding cut most).
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import (Adjustment, HouseholdMember, Invoice, InvoiceLine, Payment,
                        PaymentAllocation, Person, Regie, Service)
from app.services import RuleViolation, bulk

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
PER = ("payer", "child")
# A child under 6 on 1 January of the year is born after 1 January six years before.
AGE_LIMIT = 6


@dataclass
class ChildAmount:
    child_id: int
    name: str
    birth_date: date
    services: dict = field(default_factory=dict)  # {service name: amount paid}

    @property
    def total(self) -> Decimal:
        return sum(self.services.values(), ZERO)


@dataclass
class Certificate:
    payer_id: int
    payer_name: str
    address: str
    regie: Regie
    start: date
    end: date
    children: list = field(default_factory=list)  # [ChildAmount], by name

    @property
    def total(self) -> Decimal:
        return sum((child.total for child in self.children), ZERO)

    @property
    def key(self) -> tuple:
        """What one saved document stands for (used to tell which were saved)."""
        return (self.payer_id, self.regie.id, *(c.child_id for c in self.children))


def default_period(today: date) -> tuple:
    """Last calendar year: certificates are asked for in the first months of the next."""
    return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)


def born_after(year: int) -> date:
    """Children born strictly after this day are under 6 on 1 January of `year`."""
    return date(year - AGE_LIMIT, 1, 1)


def deductible_services() -> list:
    return db.session.scalars(sa.select(Service).where(Service.tax_deductible.is_(True))
                              .order_by(Service.name)).all()


def check_request(service_ids, start: Optional[date], end: Optional[date], per: str) -> list:
    """The chosen services (every one tax-deductible), or a refusal naming the field."""
    if per not in PER:
        raise RuleViolation(_("Choose per payer or per child."), "per")
    if start is None or end is None:
        raise RuleViolation(_("Give the period's first and last days."), "start")
    if end < start:
        raise RuleViolation(_("The period ends before it starts."), "end")
    if start.year != end.year:
        # The age rule reads 1 January of the tax year: a certificate covers one year.
        raise RuleViolation(_("A tax certificate covers one calendar year: the period must "
                              "start and end in the same year."), "end")
    ids = {int(i) for i in service_ids or []}
    if not ids:
        raise RuleViolation(_("Choose at least one service."), "services")
    services = db.session.scalars(sa.select(Service).where(Service.id.in_(ids))).all()
    if len(services) != len(ids):
        raise RuleViolation(_("Unknown service."), "services")
    refused = sorted(s.name for s in services if not s.tax_deductible)
    if refused:
        raise RuleViolation(_("%(names)s: not tax-deductible childcare (meals and other "
                              "services do not count for the tax credit).",
                              names=", ".join(refused)), "services")
    return services


def payers_of_households(household_ids) -> list:
    """The adults of these households: from the households list, certificates go to them."""
    return list(db.session.scalars(
        sa.select(HouseholdMember.person_id).join(Person, Person.id == HouseholdMember.person_id)
        .where(bulk.among(HouseholdMember.household_id, household_ids), Person.kind == "adult")
        .distinct()))


def certificates(service_ids, start: date, end: date, per: str = "payer", payer_ids=None,
                 child_ids=None) -> list:
    """The certificates for the payers `payer_ids` (every child they paid for) or the children
    `child_ids` (whoever paid), ordered by payer, régie and child. Nobody with nothing to
    certify gets one. A handful of queries, whatever the number of families."""
    services = check_request(service_ids, start, end, per)
    service_ids = [s.id for s in services]
    young = born_after(start.year)
    line_query = (sa.select(InvoiceLine.invoice_id)
                  .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
                  .join(Person, Person.id == InvoiceLine.person_id)
                  .where(Invoice.kind == "invoice", Invoice.status == "validated",
                         InvoiceLine.cancels_line_id.is_(None),
                         bulk.among(InvoiceLine.service_id, service_ids),
                         Person.birth_date > young))
    if payer_ids is not None:
        line_query = line_query.where(bulk.among(Invoice.payer_id, payer_ids))
    if child_ids is not None:
        line_query = line_query.where(bulk.among(InvoiceLine.person_id, child_ids))
    # Only invoices some payment of the period went to.
    invoice_ids = list(db.session.scalars(
        line_query.where(Invoice.id.in_(
            sa.select(PaymentAllocation.invoice_id).join(Payment)
            .where(Payment.status == "ok", Payment.date >= start, Payment.date <= end)))
        .distinct()))
    if not invoice_ids:
        return []
    shares = _paid_by_child_and_service(invoice_ids, start, end)
    wanted_children = set(child_ids) if child_ids is not None else None
    children = {p.id: p for p in db.session.scalars(sa.select(Person).where(
        bulk.among(Person.id, {child for (_i, child, _s) in shares})))}
    names = {s.id: s.name for s in services}
    invoices = {row.id: row for row in db.session.execute(
        sa.select(Invoice.id, Invoice.payer_id, Invoice.regie_id)
        .where(bulk.among(Invoice.id, invoice_ids)))}
    found = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: ZERO)))
    for (invoice_id, child_id, service_id), amount in shares.items():
        child = children[child_id]
        if (service_id not in names or not child.birth_date or child.birth_date <= young
                or (wanted_children is not None and child_id not in wanted_children)
                or amount <= 0):
            continue
        invoice = invoices[invoice_id]
        found[(invoice.payer_id, invoice.regie_id)][child_id][names[service_id]] += amount
    return _assemble(found, children, per, start, end)


def _assemble(found, children, per, start, end) -> list:
    from app.services.billing import _names_and_addresses

    payer_names, addresses = _names_and_addresses({payer for payer, _regie in found})
    regies = {r.id: r for r in db.session.scalars(sa.select(Regie).where(
        bulk.among(Regie.id, {regie for _payer, regie in found})))}
    result = []
    for (payer_id, regie_id), by_child in found.items():
        amounts = sorted(
            (ChildAmount(child_id, children[child_id].full_name, children[child_id].birth_date,
                         dict(sorted(by_service.items())))
             for child_id, by_service in by_child.items()),
            key=lambda c: (c.name.lower(), c.child_id))
        groups = [[child] for child in amounts] if per == "child" else [amounts]
        for group in groups:
            result.append(Certificate(payer_id, payer_names.get(payer_id, ""),
                                      addresses.get(payer_id, ""), regies[regie_id], start,
                                      end, group))
    result.sort(key=lambda c: (c.payer_name.lower(), c.payer_id, c.regie.code,
                               [child.name.lower() for child in c.children]))
    return result


def _paid_by_child_and_service(invoice_ids, start: date, end: date) -> dict:
    """{(invoice id, child id, service id): paid in the period} for every line of these
    invoices (every child and service: the caller keeps those it certifies)."""
    weights = defaultdict(lambda: ZERO)
    line_key, keys_of = {}, defaultdict(set)
    for line_id, invoice_id, person_id, service_id, amount in db.session.execute(
            sa.select(InvoiceLine.id, InvoiceLine.invoice_id, InvoiceLine.person_id,
                      InvoiceLine.service_id, InvoiceLine.amount)
            .where(bulk.among(InvoiceLine.invoice_id, invoice_ids)).order_by(InvoiceLine.id)):
        line_key[line_id] = (invoice_id, person_id, service_id)
        weights[line_key[line_id]] += Decimal(amount)
        keys_of[invoice_id].add(line_key[line_id])
    # Reductions and surcharges aimed at a child, a service or a child's service: shared over
    # the lines they aim at, in proportion to those lines (one on the whole invoice is in its
    # total, and so lowers every line alike).
    aimed = defaultdict(lambda: ZERO)
    for invoice_id, person_id, service_id, kind, amount in db.session.execute(
            sa.select(Adjustment.invoice_id, Adjustment.person_id, Adjustment.service_id,
                      Adjustment.kind, Adjustment.amount)
            .where(bulk.among(Adjustment.invoice_id, invoice_ids),
                   sa.or_(Adjustment.person_id.isnot(None), Adjustment.service_id.isnot(None)))
            .order_by(Adjustment.id)):
        scope = {key: weights[key] for key in keys_of[invoice_id]
                 if person_id in (None, key[1]) and service_id in (None, key[2])}
        whole = sum(scope.values(), ZERO)
        sign = -1 if kind == "discount" else 1
        for key, weight in scope.items():
            if whole > 0:
                aimed[key] += sign * Decimal(amount) * weight / whole
    for key, amount in aimed.items():
        weights[key] += amount
    # Credit-note lines cancelling days of these invoices' lines (negative amounts).
    note_totals = defaultdict(lambda: ZERO)
    for cancels_line_id, amount in db.session.execute(
            sa.select(InvoiceLine.cancels_line_id, InvoiceLine.amount)
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(Invoice.status == "validated",
                   bulk.among(Invoice.credits_invoice_id, invoice_ids),
                   InvoiceLine.cancels_line_id.isnot(None))):
        if cancels_line_id in line_key:
            weights[line_key[cancels_line_id]] += Decimal(amount)
    for invoice_id, total in db.session.execute(
            sa.select(Invoice.credits_invoice_id, sa.func.sum(Invoice.total))
            .where(bulk.among(Invoice.credits_invoice_id, invoice_ids),
                   Invoice.status == "validated")
            .group_by(Invoice.credits_invoice_id)):
        note_totals[invoice_id] = Decimal(total)
    before, until_end = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    for invoice_id, day, amount in db.session.execute(
            sa.select(PaymentAllocation.invoice_id, Payment.date, PaymentAllocation.amount)
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(bulk.among(PaymentAllocation.invoice_id, invoice_ids),
                   Payment.status == "ok", Payment.date <= end)):
        until_end[invoice_id] += Decimal(amount)
        if day < start:
            before[invoice_id] += Decimal(amount)
    totals = dict(db.session.execute(sa.select(Invoice.id, Invoice.total).where(
        bulk.among(Invoice.id, invoice_ids))).all())
    by_invoice = defaultdict(dict)
    for key, weight in weights.items():
        by_invoice[key[0]][key] = max(ZERO, weight)
    result = {}
    for invoice_id, parts in by_invoice.items():
        net = max(ZERO, Decimal(totals[invoice_id]) + note_totals[invoice_id])
        paid = min(net, until_end[invoice_id]) - min(net, before[invoice_id])
        result.update(split(paid, parts))
    return result


def split(amount: Decimal, weights: dict) -> dict:
    """`amount` shared in proportion to `weights`, in cents adding up to `amount` exactly (the
    cents left by rounding down go to the largest remainders, then to the first keys)."""
    whole = sum(weights.values(), ZERO)
    if amount <= 0 or whole <= 0:
        return {key: ZERO for key in weights}
    exact = {key: amount * weight / whole for key, weight in weights.items()}
    cut = {key: value.quantize(CENT, rounding=ROUND_DOWN) for key, value in exact.items()}
    left = int((amount - sum(cut.values(), ZERO)) / CENT)
    for key in sorted(exact, key=lambda k: cut[k] - exact[k])[:left]:
        cut[key] += CENT
    return cut


def totals(found: list) -> dict:
    """What the job's summary says: certificates, payers, children, euros."""
    return {"certificates": len(found),
            "payers": len({c.payer_id for c in found}),
            "children": len({child.child_id for c in found for child in c.children}),
            "total": sum((c.total for c in found), ZERO)}
