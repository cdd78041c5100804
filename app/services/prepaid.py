"""Prépaiement: in a régie in prepaid mode, a booking is paid from its payer's account when it
is made — at the price billing would charge that payer that day — and given back when it is
cancelled before the service's deadline, or removed by a closure. The balance stays the sum of
the account's entries; each debit and refund names the day booked, so a refund always returns
exactly what that day cost."""
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from app.extensions import db
from app.models import AccountEntry, Person, Regie, Service
from app.services import billing, journal
from app.services.calendar import deadline_for, now_in_town, today_in_town


def prepaid_services(service_ids) -> dict:
    """{service id: service} of those whose régie is in prepaid mode (one query)."""
    if not service_ids:
        return {}
    return {s.id: s for s in db.session.scalars(
        sa.select(Service).join(Regie, Regie.id == Service.regie_id)
        .where(Service.id.in_(list(service_ids)), Regie.mode == "prepaid"))}


def charges(person_id: int, days) -> tuple:
    """For the (service id, day) pairs about to be booked: ({pair: (payer id, price)} of those
    of prepaid régies, {pair: why it cannot be booked}). A prepaid day needs a payer (a billing
    rule) and a price (a tariff) before it can be debited."""
    services = prepaid_services({service_id for service_id, _ in days})
    wanted = [(service_id, day) for service_id, day in days if service_id in services]
    if not wanted:
        return {}, {}
    found = billing.payers_and_prices(person_id, set(services), {day for _, day in wanted})
    priced, refused = {}, {}
    for pair in wanted:
        payer_id, _name, price = found.get(pair, (None, None, None))
        if payer_id is None:
            refused[pair] = _("prepaid: no billing rule says who pays this day")
        elif price is None:
            refused[pair] = _("prepaid: no tariff prices this day")
        else:
            priced[pair] = (payer_id, Decimal(price))
    return priced, refused


def _label(prefix: str, service: Service, day: date, child: str) -> str:
    return f"{prefix} {service.name} {format_date(day, 'dd/MM/yyyy')} — {child}"[:200]


def debit(person_id: int, priced: dict, booking_ids: dict) -> set:
    """The debits of days just booked, `priced` as `charges` gave it, each naming its booking
    (`booking_ids`: {(service id, day): booking id}). Returns the accounts touched, as
    {(adult id, régie id)}."""
    if not priced:
        return set()
    services = prepaid_services({service_id for service_id, _ in priced})
    child = _child_name(person_id)
    today = today_in_town()
    rows = [{"adult_id": payer_id, "regie_id": services[service_id].regie_id, "date": today,
             "label": _label(_("Booking"), services[service_id], day, child),
             "amount": -price, "kind": "debit", "person_id": person_id,
             "service_id": service_id, "service_date": day,
             "booking_id": booking_ids[(service_id, day)]}
            for (service_id, day), (payer_id, price) in priced.items()]
    db.session.execute(sa.insert(AccountEntry), rows)
    _journal("prepaid_debit", rows)
    return {(payer_id, services[service_id].regie_id)
            for (service_id, _day), (payer_id, _price) in priced.items()}


def refund(removed, closure: str = None) -> set:
    """Give back what the removed bookings cost: `removed` are (booking id, person id, service
    id, day). Each booking's own debit is refunded once — a cancellation only before the
    service's deadline, a closure (its label given) always. A debit kept by a late cancellation
    belongs to a booking that is gone: nothing refunds it later."""
    removed = list(removed)
    services = prepaid_services({service_id for _, _, service_id, _ in removed})
    now = now_in_town()
    due = {booking_id for booking_id, _, service_id, day in removed
           if service_id in services and (closure or now < deadline_for(
               day, services[service_id].deadline_days, services[service_id].deadline_time,
               services[service_id].deadline_skips_closed_days))}
    if not due:
        return set()
    # The last movement of each booking: its debit when not yet refunded. Only the last: on
    # SQLite a booking id may be given again once the newest booking is gone.
    entries = db.session.execute(
        sa.select(AccountEntry.id, AccountEntry.booking_id, AccountEntry.kind,
                  AccountEntry.adult_id, AccountEntry.regie_id, AccountEntry.person_id,
                  AccountEntry.service_id, AccountEntry.service_date, AccountEntry.amount)
        .where(AccountEntry.booking_id.in_(due)).order_by(AccountEntry.id)).all()
    last = {e.booking_id: e for e in entries}
    today, names, rows = today_in_town(), {}, []
    for e in last.values():
        if e.kind != "debit":
            continue
        if e.person_id not in names:
            names[e.person_id] = _child_name(e.person_id)
        prefix = _("Refund (closure « %(label)s »):", label=closure) if closure \
            else _("Refund (cancelled):")
        rows.append({"adult_id": e.adult_id, "regie_id": e.regie_id, "date": today,
                     "label": _label(prefix, services[e.service_id], e.service_date,
                                     names[e.person_id]),
                     "amount": -Decimal(e.amount), "kind": "refund", "person_id": e.person_id,
                     "service_id": e.service_id, "service_date": e.service_date,
                     "booking_id": e.booking_id})
    if rows:
        db.session.execute(sa.insert(AccountEntry), rows)
        _journal("prepaid_refund", rows, closure)
    return {(row["adult_id"], row["regie_id"]) for row in rows}


def _journal(action: str, rows: list, closure: str = None) -> None:
    """One journal row for the account entries of one booking operation, each entry named by
    its booking, account and day."""
    people = {row["person_id"] for row in rows}
    after = {"count": len(rows), "total": sum((row["amount"] for row in rows), Decimal("0")),
             "entries": [{key: row[key] for key in ("booking_id", "adult_id", "regie_id",
                                                    "person_id", "service_id", "service_date",
                                                    "amount")} for row in rows]}
    if closure:
        after["closure"] = closure
    journal.record(action, "Person", next(iter(people)) if len(people) == 1 else None,
                   after=after)


def _child_name(person_id: int) -> str:
    person = db.session.get(Person, person_id)
    return person.full_name if person else ""
