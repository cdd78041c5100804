"""Régies and services: what a town sets up before taking bookings."""
from datetime import time

from flask_babel import gettext as _

import sqlalchemy as sa

from app.extensions import db
from app.models import Booking, Regie, Service
from app.services import RuleViolation
from app.services.sepa import checked_bic, checked_iban, ics_is_valid

MAX_PAYMENT_TERM_DAYS = 365


def check_regie(regie: Regie) -> Regie:
    regie.code = (regie.code or "").strip().upper()
    if not regie.code:
        raise RuleViolation(_("The code is required."), "code")
    if not (regie.name or "").strip():
        raise RuleViolation(_("The name is required."), "name")
    if regie.mode not in ("postpaid", "prepaid"):
        raise RuleViolation(_("The mode is postpaid or prepaid."), "mode")
    if regie.iban:
        regie.iban = checked_iban(regie.iban)
    if regie.bic:
        regie.bic = checked_bic(regie.bic)
    if _previous(regie, "mode") is not None:
        with db.session.no_autoflush:
            if _has_bookings(sa.select(Service.id).where(Service.regie_id == regie.id)):
                # Prepaid bookings were debited and postpaid ones will be invoiced: switching
                # would charge their days twice, or never.
                raise RuleViolation(_("This régie's services have bookings: its mode can no "
                                      "longer change (their days would be charged twice, or "
                                      "never). Create a new régie for the other mode."), "mode")
    term = regie.payment_term_days
    if term is not None and not 0 <= term <= MAX_PAYMENT_TERM_DAYS:
        raise RuleViolation(_("The payment term must be between 0 and %(max)s days.",
                              max=MAX_PAYMENT_TERM_DAYS), "payment_term_days")
    if regie.creditor_id:
        regie.creditor_id = regie.creditor_id.replace(" ", "").upper()
        if not ics_is_valid(regie.creditor_id):
            raise RuleViolation(_("This SEPA creditor identifier (ICS) is not valid: check its "
                                  "check digits."), "creditor_id")
    return regie


def _previous(item, attribute):
    """The value `attribute` had before this edit, or None when it did not change."""
    history = sa.inspect(item).attrs[attribute].history
    return history.deleted[0] if item.id and history.deleted and history.added else None


def _has_bookings(service_ids) -> bool:
    return db.session.scalar(sa.select(Booking.id).where(
        Booking.service_id.in_(service_ids)).limit(1)) is not None


def check_service(service: Service) -> Service:
    if not (service.name or "").strip():
        raise RuleViolation(_("The name is required."), "name")
    if _previous(service, "regie_id") is not None or _previous(service, "regie") is not None:
        with db.session.no_autoflush:
            if _has_bookings([service.id]):
                # Its bookings were charged (or debited) the old régie's way.
                raise RuleViolation(_("This service has bookings: it stays in its régie. "
                                      "Create a new service in the other régie."), "regie")
    if service.start_time is None:
        raise RuleViolation(_("The start time is required."), "start_time")
    if service.deadline_time is None:
        service.deadline_time = time(10, 0)
    if service.deadline_days is None or service.deadline_days < 0:
        raise RuleViolation(_("The booking deadline is a number of days, 0 or more."),
                            "deadline_days")
    if service.portal_weeks_ahead is not None and not 0 <= service.portal_weeks_ahead <= 104:
        raise RuleViolation(_("Parents book at most 104 weeks ahead (two years): give 0 to "
                              "104 weeks, or nothing for no limit."), "portal_weeks_ahead")
    days = sorted({int(d) for d in str(service.weekdays or "").replace(" ", "").split(",")
                   if d != ""} or {0, 1, 2, 3, 4})
    if any(d < 0 or d > 6 for d in days):
        raise RuleViolation(_("Days of the week go from 0 (Monday) to 6 (Sunday)."), "weekdays")
    service.weekdays = ",".join(str(d) for d in days)
    return service
