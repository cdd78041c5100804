"""« Diagnostic portail »: the FAQ's checklist for a parent who cannot sign in or cannot book
(« un responsable qui n'arrive pas à se connecter ou rencontre des difficultés pour réserver »),
run on the adult's record. Each finding says what blocks and what to do, with the screen that
fixes it when there is one."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Optional

import sqlalchemy as sa
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.formatting import moment, short_date
from app.models import (
    BillingRule,
    Enrollment,
    Guardianship,
    LoginLink,
    Period,
    Person,
    PortalAccount,
    SchoolClass,
    Service,
    Subscription,
)
from app.models.billing import billing_rule_subscription
from app.models.bookings import period_service
from app.services import consents
from app.services.calendar import now_in_town

BLOCKING, WARNING, OK = "blocking", "warning", "ok"
BOOKING_HORIZON = timedelta(weeks=4)
CLOSURE_HORIZON = timedelta(days=92)  # about three months


@dataclass
class Finding:
    level: str  # BLOCKING, WARNING or OK
    section: str  # access, billing, children, closures, consents
    text: str
    # The screen that fixes it: (view, method, url arguments); the page shows the link to
    # those who may open it (permission can_<method> on the view).
    fix: Optional[tuple] = None
    fix_label: str = ""


@dataclass
class _Household:
    """What the checks read, loaded once."""

    adult: Person
    today: date
    children: list = field(default_factory=list)
    enrollments: dict = field(default_factory=dict)  # child id -> [Enrollment] current or later
    subscriptions: dict = field(default_factory=dict)  # child id -> [Subscription] idem

    @property
    def horizon_end(self) -> date:
        return self.today + BOOKING_HORIZON - timedelta(days=1)


def diagnose(adult: Person, today: Optional[date] = None) -> list:
    today = today or now_in_town().date()
    household = _load(adult, today)
    return [*_access(adult), *_billing(household), *_children(household),
            *_closures(household), *_consents(household)]


def _load(adult: Person, today: date) -> _Household:
    household = _Household(adult=adult, today=today)
    household.children = db.session.scalars(
        sa.select(Person).join(Guardianship, Guardianship.child_id == Person.id)
        .where(Guardianship.adult_id == adult.id, Person.archived_at.is_(None))
        .order_by(Person.first_name, Person.id)).all()
    ids = [child.id for child in household.children]
    for enrollment in db.session.scalars(
            sa.select(Enrollment).where(Enrollment.person_id.in_(ids), _not_ended(Enrollment, today))
            .options(selectinload(Enrollment.school_class).selectinload(SchoolClass.school))
            .order_by(Enrollment.start_date)):
        household.enrollments.setdefault(enrollment.person_id, []).append(enrollment)
    for subscription in db.session.scalars(
            sa.select(Subscription).where(Subscription.person_id.in_(ids),
                                          _not_ended(Subscription, today))
            .options(selectinload(Subscription.service).selectinload(Service.classes),
                     selectinload(Subscription.service).selectinload(Service.regie))
            .order_by(Subscription.start_date, Subscription.id)):
        household.subscriptions.setdefault(subscription.person_id, []).append(subscription)
    return household


def _not_ended(model, day: date):
    return sa.or_(model.end_date.is_(None), model.end_date >= day)


def _day(day: date) -> str:
    return short_date(day)


# ---------------------------------------------------------------------------------------------
# Access to the portal


def _access(adult: Person) -> list:
    section = "access"
    record = ("PortalAccessView", "show", {"pk": adult.id})
    found = []
    if not (adult.email or "").strip():
        found.append(Finding(BLOCKING, section, _(
            "No e-mail address on the record: the portal login is the e-mail address. Add it, "
            "then create the login."), ("AdultView", "edit", {"pk": adult.id}),
            _("Edit the record")))
    else:
        found.append(Finding(OK, section, _("E-mail address: %(email)s.", email=adult.email)))
    account = db.session.scalar(sa.select(PortalAccount).where(
        PortalAccount.person_id == adult.id))
    if account is None:
        found.append(Finding(BLOCKING, section, _(
            "No portal login: create it (“The parent can log in”); the parent then receives a "
            "link to choose a password."), record, _("Portal access")))
        return found
    user = db.session.get(User, account.user_id)
    if user is None or not user.active:
        found.append(Finding(BLOCKING, section, _(
            "The portal login is locked: the parent cannot sign in until it is unlocked."),
            record, _("Portal access")))
    if user is not None and adult.email and (user.email or "").lower() != adult.email.lower():
        found.append(Finding(WARNING, section, _(
            "The login (%(login)s) is not the record's e-mail address (%(email)s): the parent "
            "signs in with %(login)s. Update the login if the address changed.",
            login=user.email, email=adult.email), record, _("Portal access")))
    if account.activated_at is not None:
        if user is not None and user.active:
            found.append(Finding(OK, section, _("Login active since %(moment)s.",
                                                moment=moment(account.activated_at))))
        return found
    found.append(_invitation(account, record))
    return found


def _invitation(account: PortalAccount, record) -> Finding:
    """An invited parent who has not chosen a password yet: why, from their newest link."""
    link = db.session.scalar(sa.select(LoginLink).where(LoginLink.user_id == account.user_id)
                             .order_by(LoginLink.id.desc()).limit(1))
    fresh = _("Send a new link")
    if link is None:
        return Finding(BLOCKING, "access", _(
            "Invited, but no link to choose a password was ever sent: send one."), record, fresh)
    if link.used_at is not None:
        return Finding(BLOCKING, "access", _(
            "The last link (sent on %(sent)s) was used without a password being chosen: send "
            "a new link.", sent=moment(link.created_at)), record, fresh)
    if link.expires_at <= now_in_town():
        return Finding(BLOCKING, "access", _(
            "The link sent on %(sent)s to choose a password expired on %(expired)s without "
            "being used: send a new link.", sent=moment(link.created_at),
            expired=moment(link.expires_at)), record, fresh)
    return Finding(WARNING, "access", _(
        "Invited on %(sent)s: the link to choose a password has not been used yet (valid until "
        "%(until)s). If the e-mail did not arrive, the parent should look in their spam folder "
        "(Hotmail and Outlook addresses most often).", sent=moment(link.created_at),
        until=moment(link.expires_at)))


# ---------------------------------------------------------------------------------------------
# Billing rules: the portal offers a day only where a rule of this adult covers it


def _covered_weeks(rule: BillingRule, start: date, end: date) -> list:
    """The ISO weeks between `start` and `end` on which `rule` bills (and so may be booked)."""
    weeks, day = [], max(start, rule.start_date)
    last = min(end, rule.end_date or end)
    while day <= last:
        week = day.isocalendar()[1]
        if rule.covers_week(week) and week not in weeks:
            weeks.append(week)
        day += timedelta(days=1)
    return weeks


def _subscriptions_text(subscriptions) -> str:
    return ", ".join(f"{s.service.name} ({s.person.first_name})" for s in subscriptions)


def _parity_text(rule: BillingRule) -> Optional[str]:
    if rule.criterion == "even_weeks":
        return _("even weeks only: odd weeks cannot be booked")
    if rule.criterion == "odd_weeks":
        return _("odd weeks only: even weeks cannot be booked")
    if rule.criterion == "week_list":
        return _("weeks %(weeks)s only: the other weeks cannot be booked",
                 weeks=", ".join(str(w) for w in sorted(rule.week_set)))
    return None


def _billing(household: _Household) -> list:
    adult, today, end = household.adult, household.today, household.horizon_end
    section = "billing"
    new_rule = ("BillingRuleView", "new", {"payer_id": adult.id})
    rules = db.session.scalars(
        sa.select(BillingRule).where(
            sa.or_(BillingRule.payer_id == adult.id, BillingRule.co_payer_id == adult.id),
            BillingRule.start_date <= end, _not_ended(BillingRule, today))
        .options(selectinload(BillingRule.subscriptions).selectinload(Subscription.service)
                 .selectinload(Service.regie),
                 selectinload(BillingRule.subscriptions).selectinload(Subscription.person),
                 selectinload(BillingRule.payer))
        .order_by(BillingRule.start_date, BillingRule.id)).all()
    found, usable = [], {}  # subscription id -> rule that lets this adult book it
    this_week = today.isocalendar()[1]
    for rule in rules:
        subscriptions = rule.subscriptions
        role = _("payer")
        if rule.payer_id != adult.id:
            role = _("co-payer")
            prepaid = [s for s in subscriptions if s.service.regie.mode == "prepaid"]
            subscriptions = [s for s in subscriptions if s not in prepaid]
            if prepaid:
                found.append(Finding(WARNING, section, _(
                    "Co-payer on the billing rule of %(payer)s for %(subscriptions)s: these "
                    "services are prepaid, where a co-payer can neither book nor pay; "
                    "%(payer)s books them.", payer=rule.payer.full_name,
                    subscriptions=_subscriptions_text(prepaid))))
        weeks = _covered_weeks(rule, today, end)
        if not subscriptions or not weeks:
            continue
        for subscription in subscriptions:
            usable.setdefault(subscription.id, rule)
        what = _("Billing rule (%(role)s) from %(start)s%(until)s for %(subscriptions)s",
                 role=role, start=_day(rule.start_date),
                 until=_(" to %(day)s", day=_day(rule.end_date)) if rule.end_date else "",
                 subscriptions=_subscriptions_text(subscriptions))
        parity = _parity_text(rule)
        if parity:
            found.append(Finding(WARNING, section, _(
                "%(rule)s: %(parity)s (this week is week %(week)s).", rule=what, parity=parity,
                week=this_week)))
        if rule.end_date is not None and rule.end_date < end:
            found.append(Finding(WARNING, section, _(
                "%(rule)s: it ends on %(day)s; later days cannot be booked.", rule=what,
                day=_day(rule.end_date)), ("BillingRuleView", "manage", {"pk": rule.id}),
                _("Manage the rule")))
        elif rule.start_date > today:
            found.append(Finding(WARNING, section, _(
                "%(rule)s: it starts on %(day)s; earlier days cannot be booked.", rule=what,
                day=_day(rule.start_date))))
        elif not parity:
            found.append(Finding(OK, section, _("%(rule)s: every week.", rule=what)))
    if not usable:
        found.append(Finding(BLOCKING, section, _(
            "No billing rule of %(name)s, as payer or as co-payer, covers the coming 4 weeks "
            "(%(start)s to %(end)s): the portal offers nothing to book. Bookings go through "
            "the payer of a rule.", name=adult.full_name, start=_day(today), end=_day(end)),
            new_rule if household.children else None, _("Add a billing rule")))
    found.extend(_uncovered(household, usable, new_rule))
    return found


def _uncovered(household: _Household, usable: dict, new_rule) -> list:
    """Subscriptions of the children running in the coming weeks that this adult cannot book,
    with whom they are billed to instead."""
    today, end = household.today, household.horizon_end
    waiting = [s for subs in household.subscriptions.values() for s in subs
               if s.id not in usable and s.start_date <= end]
    if not waiting:
        return []
    others = {}
    for rule in db.session.scalars(
            sa.select(BillingRule).join(billing_rule_subscription).where(
                billing_rule_subscription.c.subscription_id.in_([s.id for s in waiting]),
                BillingRule.start_date <= end, _not_ended(BillingRule, today))
            .options(selectinload(BillingRule.payer), selectinload(BillingRule.subscriptions))):
        for subscription in rule.subscriptions:
            others.setdefault(subscription.id, rule.payer.full_name)
    found = []
    for subscription in waiting:
        what = dict(service=subscription.service.name, child=subscription.person.first_name)
        if subscription.id in others:
            found.append(Finding(WARNING, "billing", _(
                "%(service)s of %(child)s is billed to %(payer)s: only %(payer)s can book it on "
                "the portal.", payer=others[subscription.id], **what)))
        else:
            found.append(Finding(WARNING, "billing", _(
                "%(service)s of %(child)s has no billing rule in the coming 4 weeks: nobody "
                "can book it on the portal.", **what), new_rule, _("Add a billing rule")))
    return found


# ---------------------------------------------------------------------------------------------
# Children: a class (current or coming), services, services open to that class


def _children(household: _Household) -> list:
    section = "children"
    if not household.children:
        return [Finding(WARNING, section, _(
            "No child is linked to %(name)s: there is nothing to book.",
            name=household.adult.full_name))]
    found = []
    for child in household.children:
        enrollments = household.enrollments.get(child.id, [])
        subscriptions = household.subscriptions.get(child.id, [])
        problems = []
        if not enrollments:
            problems.append(Finding(BLOCKING, section, _(
                "%(child)s is enrolled in no class, neither now nor for later.",
                child=child.full_name), ("EnrollmentView", "enroll", {"person_id": child.id}),
                _("Enroll in a class")))
        if not subscriptions:
            problems.append(Finding(BLOCKING, section, _(
                "%(child)s is subscribed to no service.", child=child.full_name),
                ("BookingView", "subscribe", {"person_id": child.id}), _("Open services")))
        class_ids = {e.school_class_id for e in enrollments}
        for subscription in subscriptions:
            service = subscription.service
            if enrollments and service.classes and not class_ids & set(service.class_ids):
                problems.append(Finding(BLOCKING, section, _(
                    "%(service)s is not open to the class of %(child)s (%(class)s): the service "
                    "cannot be booked until the class is linked to it.", service=service.name,
                    child=child.full_name, **{"class": str(enrollments[0].school_class)}),
                    ("ServiceView", "edit", {"pk": service.id}), _("Edit the service")))
        found.extend(problems)
        if not problems:
            found.append(Finding(OK, section, _(
                "%(child)s: class %(class)s; services: %(services)s.", child=child.full_name,
                services=", ".join(s.service.name for s in subscriptions),
                **{"class": str(enrollments[0].school_class)})))
    return found


# ---------------------------------------------------------------------------------------------
# Closures: without holiday periods, families could book during the holidays


def _closures(household: _Household) -> list:
    services = {s.service_id: s.service for subs in household.subscriptions.values()
                for s in subs}
    if not services:
        return []
    today, end = household.today, household.today + CLOSURE_HORIZON
    closed = set(db.session.scalars(
        sa.select(period_service.c.service_id).join(Period).where(
            period_service.c.service_id.in_(list(services)), Period.start_date <= end,
            Period.end_date >= today)).all())
    found = []
    for service_id, service in sorted(services.items(), key=lambda item: item[1].name):
        if service_id in closed:
            found.append(Finding(OK, "closures", _(
                "%(service)s: closure periods are entered for the coming 3 months.",
                service=service.name)))
        else:
            found.append(Finding(WARNING, "closures", _(
                "No closure period (holidays) for %(service)s between %(start)s and %(end)s: "
                "families could book during the holidays.", service=service.name,
                start=_day(today), end=_day(end)), ("PeriodView", "list", {}),
                _("Periods")))
    return found


# ---------------------------------------------------------------------------------------------
# Consents the family must accept before booking


def _consents(household: _Household) -> list:
    pending = consents.pending_for(household.adult.id, household.today)
    if not pending:
        return [Finding(OK, "consents", _("No consent waiting to be accepted."))]
    return [Finding(BLOCKING, "consents", _(
        "Consent “%(label)s” not accepted yet: bookings for %(children)s stay closed until "
        "%(name)s accepts it on the portal.", label=consent.label,
        children=", ".join(c.first_name for c in children),
        name=household.adult.full_name), ("ConsentView", "acceptances", {"pk": consent.id}),
        _("Who accepted it"))
        for consent, children in pending]
