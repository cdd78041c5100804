"""Bookings a parent makes on the portal.

The same days as the back-office's grid (subscription, weekday, closures, class: see
bookings.BookingContext), narrowed by what a parent may do alone:
- the day must be covered by one of *their* billing rules — as payer, or as co-payer
  (« tiers solidaire ») outside a prepaid régie, where only the payer's account is debited;
  a separated parent on alternate weeks books their own weeks only;
- before the service's deadline (D-n at HH:MM, skipping weekends and public holidays), for
  booking and cancelling alike;
- once the consents that concern the child are accepted (booking only: cancelling stays
  possible);
- in a prepaid régie, only with enough credit on the account, unless the régie allows going
  into debit.
Every day that cannot be changed says why. The result is written through
bookings.apply_changes, as staff bookings are, so accounts are debited and refunded alike."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import ngettext

from app.extensions import db
from app.formatting import money
from app.models import Guardianship, Person, Regie
from app.services import RuleViolation, billing, bookings, prepaid
from app.services.calendar import deadline_for, is_public_holiday, now_in_town, today_in_town
from app.services.payments import balance

ZERO = Decimal("0")


@dataclass
class PortalCell:
    booked: bool
    # Whether the parent may tick or untick it now; `reason` says why not.
    open: bool
    reason: Optional[str] = None
    booking_id: Optional[int] = None


@dataclass
class PortalWeek:
    child: Person
    monday: date
    days: list
    services: list
    cells: dict  # (service id, day) -> PortalCell; absent: the service does not run that day
    deadlines: dict  # service id -> the service's rule in words
    missing_consents: list = field(default_factory=list)
    prices: dict = field(default_factory=dict)  # service id -> this parent's price, when one

    @property
    def common_reason(self) -> Optional[str]:
        """The reason every cell of the week shares, when none can change: said once above the
        grid rather than in every cell."""
        reasons = {cell.reason for cell in self.cells.values()}
        if self.cells and not any(cell.open for cell in self.cells.values()) \
                and len(reasons) == 1:
            return reasons.pop()
        return None

    @property
    def has_open_day(self) -> bool:
        return any(cell.open for cell in self.cells.values())

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def children_of(adult_id: int) -> list:
    """The children this adult may book for: their wards not archived, by first name."""
    return db.session.scalars(
        sa.select(Person).join(Guardianship, Guardianship.child_id == Person.id)
        .where(Guardianship.adult_id == adult_id, Person.archived_at.is_(None))
        .order_by(Person.first_name, Person.id)).all()


def child_of(adult_id: int, child_id, lock: bool = False) -> Optional[Person]:
    """The child if it is this adult's ward; None otherwise (the caller answers 404: another
    family's child does not exist for a parent)."""
    try:
        child_id = int(child_id)
    except (TypeError, ValueError):
        return None
    query = (sa.select(Person).join(Guardianship, Guardianship.child_id == Person.id)
             .where(Guardianship.adult_id == adult_id, Person.id == child_id,
                    Person.archived_at.is_(None)))
    if lock:
        query = query.with_for_update(of=Person)
    return db.session.scalar(query)


def deadline_words(service) -> str:
    if service.deadline_days == 0:
        return _("Until %(time)s the same day.", time=service.deadline_time.strftime("%H:%M"))
    days = (ngettext("%(num)d working day before", "%(num)d working days before",
                     service.deadline_days)
            if service.deadline_skips_closed_days
            else ngettext("%(num)d day before", "%(num)d days before", service.deadline_days))
    return _("%(days)s, at %(time)s.", days=days, time=service.deadline_time.strftime("%H:%M"))


def _missing_consents(adult_id: int, child_id: int) -> list:
    from app.services import consents

    return consents.missing_for_child(adult_id, child_id, today_in_town())


def week_for(adult_id: int, child: Person, monday: date) -> PortalWeek:
    """The week's grid of one child as this parent may change it."""
    monday = monday_of(monday)
    sunday = monday + timedelta(days=6)
    context = bookings.load_context(child, monday, sunday)
    services = sorted(context.services.values(), key=lambda s: (s.start_time, s.name))
    run_days = set().union(*(s.weekday_set for s in services)) if services else set(range(5))
    days = [monday + timedelta(days=n) for n in range(7) if n in run_days]
    holders = billing.covering_rules(child.id, [s.id for s in services], days)
    prices = _prices(adult_id, child, services, days, holders)
    prepaid_ids = set(prepaid.prepaid_services([s.id for s in services]))
    missing = _missing_consents(adult_id, child.id) if services else []
    now = now_in_town()
    cells = {}
    for service in services:
        for day in days:
            if day.weekday() not in service.weekday_set:
                continue
            booking = context.booked.get((service.id, day))
            cell = _cell(adult_id, service, day, booking, context,
                         holders.get((service.id, day)), service.id in prepaid_ids, missing, now)
            cell.booking_id = booking.id if booking is not None else None
            cells[(service.id, day)] = cell
    return PortalWeek(child=child, monday=monday, days=days, services=services, cells=cells,
                      deadlines={s.id: deadline_words(s) for s in services},
                      missing_consents=missing, prices=prices)


def _prices(adult_id, child, services, days, holders) -> dict:
    """{service id: the unit price this parent pays} on the week's first day they pay."""
    mine = {(service_id, day) for (service_id, day), (payer_id, _co) in holders.items()
            if payer_id == adult_id}
    if not mine:
        return {}
    found = billing.payers_and_prices(child.id, {service_id for service_id, _ in mine},
                                      {day for _, day in mine})
    prices = {}
    for (service_id, day), (_payer, _name, price) in sorted(found.items(),
                                                            key=lambda i: i[0][1]):
        if (service_id, day) in mine and price is not None:
            prices.setdefault(service_id, price)
    return prices


def horizon(service, today: date) -> date:
    """The last day parents may book this service on the portal: the Sunday
    `portal_weeks_ahead` weeks after this one."""
    return monday_of(today) + timedelta(weeks=service.portal_weeks_ahead, days=6)


def first_open_week(adult_id: int, child: Person, today) -> PortalWeek:
    """The week a parent lands on: this week, or the next when nothing can change this one
    any more (on a Wednesday, most of this week is closed)."""
    week = week_for(adult_id, child, today)
    if week.has_open_day:
        return week
    following = week_for(adult_id, child, week.next)
    return following if following.has_open_day else week


def _cell(adult_id, service, day, booking, context, holder, is_prepaid, missing, now):
    booked = booking is not None
    if booked and booking.invoiced:
        return PortalCell(True, False, _("Already invoiced."))
    if not booked:
        reason = context.refusal(service.id, day)
        if reason:
            return PortalCell(False, False, reason)
        if is_public_holiday(day):
            return PortalCell(False, False, _("Public holiday."))
    if not booked and service.portal_weeks_ahead is not None:
        last = horizon(service, now.date())
        if day > last:
            opening = monday_of(day) - timedelta(weeks=service.portal_weeks_ahead)
            return PortalCell(False, False, _(
                "Bookings open up to %(day)s; this week opens on %(opening)s.",
                day=format_date(last, "EEEE d MMMM"),
                opening=format_date(opening, "EEEE d MMMM")))
    deadline = deadline_for(day, service.deadline_days, service.deadline_time,
                            service.deadline_skips_closed_days)
    if now >= deadline:
        return PortalCell(booked, False, _(
            "Bookings closed since %(moment)s.",
            moment=format_datetime(deadline, "EEE d MMM 'à' HH:mm")))
    if holder is None:
        return PortalCell(booked, False, _(
            "No billing rule in your name covers this day: contact the town's office."))
    payer_id, co_payer_id = holder
    if payer_id != adult_id:
        if co_payer_id == adult_id and is_prepaid:
            return PortalCell(booked, False, _(
                "Prepaid service: only the payer's account can be debited, so only they book."))
        if co_payer_id != adult_id:
            return PortalCell(booked, False, _(
                "This day is billed to the other parent, who books it."))
    if missing and not booked:
        return PortalCell(False, False, _("Consent to accept first."))
    return PortalCell(booked, True)


def parse_choices(values, monday: date) -> set:
    """The ticked boxes of the form, "service id:YYYY-MM-DD", inside the week; anything else is
    ignored (a forged value cannot reach another week)."""
    wanted = set()
    sunday = monday + timedelta(days=6)
    for value in values:
        service_id, _sep, day = str(value).partition(":")
        try:
            key = (int(service_id), date.fromisoformat(day))
        except ValueError:
            continue
        if monday <= key[1] <= sunday:
            wanted.add(key)
    return wanted


def save_week(adult_id: int, child_id, monday: date, wanted: set) -> dict:
    """Make this week's bookings of the child match `wanted` wherever the parent may change
    them. Returns {"created", "removed", "refused": [(service, day, reason)]}. Raises
    RuleViolation (nothing changed) when a prepaid account's credit does not cover the
    days booked."""
    monday = monday_of(monday)
    # The adult (whose account pays), then the child: two tabs, or both separated parents,
    # saving the same child's week at once are taken one after the other, never interleaved.
    db.session.execute(sa.select(Person.id).where(Person.id == adult_id).with_for_update())
    child = child_of(adult_id, child_id, lock=True)
    if child is None:
        raise LookupError(child_id)
    week = week_for(adult_id, child, monday)
    services = {s.id: s for s in week.services}
    rows, removed, refused = [], [], []
    for key, cell in sorted(week.cells.items(), key=lambda item: (item[0][1], item[0][0])):
        want = key in wanted
        if want == cell.booked:
            continue
        if not cell.open:
            refused.append((services[key[0]], key[1], cell.reason))
        elif want:
            rows.append(dict(person_id=child.id, service_id=key[0], date=key[1]))
        else:
            removed.append((key[0], cell.booking_id))
    regies = {services[service_id].regie_id for service_id in
              [r["service_id"] for r in rows] + [service_id for service_id, _id in removed]}
    before = _prepaid_balances(adult_id, regies)
    result = bookings.apply_changes(child, rows, [booking_id for _s, booking_id in removed])
    _check_credit(adult_id, before)
    refused += [(services[s["service_id"]], s["date"], s["reason"]) for s in result["skipped"]]
    return {"created": result["created"], "removed": result["removed"], "refused": refused}


def _prepaid_balances(adult_id: int, regie_ids) -> dict:
    """{régie: balance} of this adult's accounts at the prepaid régies among `regie_ids` that
    allow no debit on the portal."""
    if not regie_ids:
        return {}
    regies = db.session.scalars(sa.select(Regie).where(
        Regie.id.in_(list(regie_ids)), Regie.mode == "prepaid",
        Regie.portal_overdraft.is_(False))).all()
    return {regie: balance(adult_id, regie.id) for regie in regies}


def _check_credit(adult_id: int, before: dict) -> None:
    for regie, was in before.items():
        now = balance(adult_id, regie.id)
        if now < ZERO and now < was:
            raise RuleViolation(_(
                "Not enough credit on your account at %(regie)s: %(balance)s available, these "
                "bookings cost %(cost)s. Top up your account or book fewer days.",
                regie=regie.name, balance=money(max(was, ZERO)), cost=money(was - now)))
