"""Billing rules: which adult pays for which child's subscriptions, on which weeks."""
from datetime import date, timedelta
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import BillingRule, Person, Subscription
from app.models.billing import CRITERIA, billing_rule_subscription
from app.services import RuleViolation, audit
from app.services.registry import ensure_editable
from app.services.schooling import check_dates


def checked_weeks(criterion: str, weeks) -> Optional[str]:
    if criterion not in CRITERIA:
        raise RuleViolation(_("The criterion is every week, even weeks, odd weeks or a list of "
                              "weeks."), "criterion")
    if criterion != "week_list":
        return None
    if isinstance(weeks, str):
        weeks = [w for w in weeks.replace(";", ",").replace(" ", ",").split(",") if w]
    try:
        numbers = sorted({int(w) for w in weeks or []})
    except ValueError:
        raise RuleViolation(_("ISO week numbers go from 1 to 53."), "weeks")
    if not numbers:
        raise RuleViolation(_("Give the list of ISO weeks."), "weeks")
    if any(not 1 <= w <= 53 for w in numbers):
        raise RuleViolation(_("ISO week numbers go from 1 to 53."), "weeks")
    return ",".join(str(w) for w in numbers)


def _first_shared_day(rule_a, rule_b, start, end):
    """The first day both rules would bill, within [start, end], or None."""
    day = start
    while day <= end:
        week = day.isocalendar()[1]
        if rule_a.covers_week(week) and rule_b.covers_week(week):
            return day
        day += timedelta(days=7 - day.weekday()) if day.weekday() else timedelta(days=7)
    return None


def check_rule(rule: BillingRule) -> BillingRule:
    """A payer who is an adult, dates in order, a known criterion, at least one subscription,
    and no day of a subscription billed by two rules."""
    payer = rule.payer or db.session.get(Person, rule.payer_id)
    if payer is None or payer.kind != "adult":
        raise RuleViolation(_("The payer must be an adult."), "payer_id")
    ensure_editable(payer)
    co_payer = rule.co_payer or (db.session.get(Person, rule.co_payer_id)
                                 if rule.co_payer_id else None)
    if co_payer is not None and (co_payer.kind != "adult" or co_payer.id == payer.id):
        raise RuleViolation(_("The co-payer must be another adult."), "co_payer_id")
    check_dates(rule.start_date, rule.end_date)
    rule.weeks = checked_weeks(rule.criterion, rule.weeks)
    if not rule.subscriptions:
        raise RuleViolation(_("Tick the subscriptions this rule covers."), "subscription_ids")
    for subscription in rule.subscriptions:
        others = db.session.scalars(
            sa.select(BillingRule).join(billing_rule_subscription).where(
                billing_rule_subscription.c.subscription_id == subscription.id,
                BillingRule.id != (rule.id or 0),
                BillingRule.start_date <= (rule.end_date or date.max),
                sa.or_(BillingRule.end_date.is_(None), BillingRule.end_date >= rule.start_date))
        ).all()
        for other in others:
            start = max(rule.start_date, other.start_date)
            end = min(rule.end_date or date.max, other.end_date or date.max,
                      start + timedelta(days=800))
            shared = _first_shared_day(rule, other, start, end)
            if shared is not None:
                raise RuleViolation(_(
                    "%(subscription)s is already billed to %(payer)s in week %(week)s (%(day)s): "
                    "stop that rule or choose other weeks.", subscription=str(subscription),
                    payer=other.payer.full_name, week=shared.isocalendar()[1],
                    day=shared.strftime("%d/%m/%Y")), "subscription_ids")
    return rule


def add_rule(payer: Person, start_date: date, subscriptions, criterion="all_weeks",
             weeks=None, end_date: Optional[date] = None,
             co_payer: Optional[Person] = None) -> BillingRule:
    with db.session.no_autoflush:
        rule = BillingRule(payer=payer, co_payer=co_payer, start_date=start_date,
                           end_date=end_date, criterion=criterion, weeks=weeks,
                           subscriptions=list(subscriptions))
        check_rule(rule)
    db.session.add(rule)
    db.session.flush()
    return rule


def stop_rule(rule: BillingRule, last_day: date) -> BillingRule:
    """“Arrêter à la date souhaitée”."""
    if last_day is None or last_day < rule.start_date:
        raise RuleViolation(_("The rule cannot stop before it starts (%(day)s).",
                              day=rule.start_date.strftime("%d/%m/%Y")), "end_date")
    before = rule.end_date.isoformat() if rule.end_date else None
    rule.end_date = last_day
    db.session.flush()
    audit.record("stop_billing_rule", rule, before={"end_date": before},
                 after={"end_date": last_day.isoformat()})
    return rule


def delete_rule(rule: BillingRule) -> None:
    audit.record("delete_billing_rule", rule, before={"payer_id": rule.payer_id})
    db.session.delete(rule)
    db.session.flush()


def transfer_rule(rule: BillingRule, new_payer: Optional[Person] = None,
                  co_payer: Optional[Person] = None, clear_co_payer=False) -> BillingRule:
    """“Transférer la règle sur” another adult, and/or set its tiers solidaire."""
    before = {"payer_id": rule.payer_id, "co_payer_id": rule.co_payer_id}
    with db.session.no_autoflush:
        if new_payer is not None:
            rule.payer = new_payer
            rule.payer_id = new_payer.id
        if co_payer is not None:
            rule.co_payer = co_payer
            rule.co_payer_id = co_payer.id
        elif clear_co_payer:
            rule.co_payer = None
            rule.co_payer_id = None
        check_rule(rule)
    db.session.flush()
    audit.record("transfer_billing_rule", rule, before=before,
                 after={"payer_id": rule.payer_id, "co_payer_id": rule.co_payer_id})
    return rule


def subscriptions_billable_by(payer: Person):
    """The subscriptions of the children the payer is guardian of (and the payer's own)."""
    child_ids = [link.child_id for link in payer.wards] + [payer.id]
    return db.session.scalars(sa.select(Subscription).where(
        Subscription.person_id.in_(child_ids)).order_by(Subscription.person_id)).all()
