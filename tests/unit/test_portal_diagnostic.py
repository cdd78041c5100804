"""« Diagnostic portail »: each finding of the FAQ's checklist on a household built to trigger
it, and a household where nothing blocks."""
from datetime import date, datetime

import pytest
from flask_appbuilder.security.sqla.models import User

from app.models import Period, PortalAccount
from app.services import billing_rules, bookings, consents, login_links, schooling
from app.services.portal_diagnostic import BLOCKING, OK, WARNING, diagnose
from tests import factories
from tests.support import TOWN_TODAY


def texts(findings, level=None):
    return [f.text for f in findings if level is None or f.level == level]


def has(findings, level, fragment) -> bool:
    return any(fragment in f.text for f in findings if f.level == level)


def shows(findings, level, fragment):
    assert has(findings, level, fragment), [(f.level, f.text) for f in findings]


@pytest.fixture
def town(session):
    setup = factories.school_setup(session)
    canteen = factories.service(session, "Cantine", classes=[setup["classes"]["CE1 A"]])
    session.add(Period(label="Noël", start_date=date(2026, 12, 19), end_date=date(2027, 1, 3),
                       services=[canteen]))
    return dict(setup=setup, canteen=canteen)


def family(session, town, last="Diag", adults=("mother",), klass="CE1 A", service=True):
    _, grown_ups, (child,) = factories.household(last, adults=adults)
    for adult in grown_ups:
        adult.email = f"{adult.first_name.lower()}@example.org"
    schooling.enroll(child, town["setup"]["classes"][klass], date(2026, 9, 1))
    subscription = bookings.subscribe(child, town["canteen"], date(2026, 9, 1)) \
        if service else None
    return grown_ups, child, subscription


def account(session, adult, activated=True, active=True):
    from app.services.calendar import now_in_town

    user = User(first_name=adult.first_name, last_name=adult.last_name, username=adult.email,
                email=adult.email, active=active)
    session.add(user)
    session.flush()
    row = PortalAccount(person_id=adult.id, user_id=user.id,
                        activated_at=now_in_town() if activated else None)
    session.add(row)
    session.flush()
    return row


def test_nothing_blocks_a_ready_parent(session, town):
    (mother,), child, subscription = family(session, town)
    account(session, mother)
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    findings = diagnose(mother, TOWN_TODAY)
    assert texts(findings, BLOCKING) == [] and texts(findings, WARNING) == []
    shows(findings, OK, "toutes les semaines")
    shows(findings, OK, "classe École Jules-Ferry — CE1 A ; prestations : Cantine")
    shows(findings, OK, "Aucun consentement en attente")


def test_no_email_and_no_login(session, town):
    (mother,), _, subscription = family(session, town)
    mother.email = None
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    findings = diagnose(mother, TOWN_TODAY)
    shows(findings, BLOCKING, "Aucune adresse e-mail")
    shows(findings, BLOCKING, "Pas d'accès au portail")
    fix = next(f for f in findings if "Aucune adresse e-mail" in f.text).fix
    assert fix == ("AdultView", "edit", {"pk": mother.id})


def test_locked_login(session, town):
    (mother,), _, _ = family(session, town)
    account(session, mother, active=False)
    shows(diagnose(mother, TOWN_TODAY), BLOCKING, "verrouillé")


def test_invitation_never_used_then_expired(session, town, town_clock):
    (mother,), _, _ = family(session, town)
    row = account(session, mother, activated=False)
    shows(diagnose(mother, TOWN_TODAY), BLOCKING, "aucun lien pour choisir un mot de passe")
    login_links.issue(row.user_id, "invitation")
    findings = diagnose(mother, TOWN_TODAY)
    shows(findings, WARNING, "n'a pas encore servi")
    shows(findings, WARNING, "SPAMS")
    town_clock(datetime(2026, 12, 1, 10, 0))
    shows(diagnose(mother, date(2026, 12, 1)), BLOCKING,
               "Le lien envoyé le 20/11/2026 à 10:00 pour choisir un mot de passe a expiré le "
               "27/11/2026 à 10:00 sans avoir servi")


def test_no_billing_rule_covers_the_coming_weeks(session, town):
    (mother,), child, subscription = family(session, town)
    # A rule that stopped last month covers nothing ahead.
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription],
                           end_date=date(2026, 10, 31))
    findings = diagnose(mother, TOWN_TODAY)
    shows(findings, BLOCKING, "Aucune règle de facturation de")
    shows(findings, WARNING, f"Cantine de {child.first_name} n'a aucune règle de facturation")
    blocking = next(f for f in findings if "Aucune règle de facturation de" in f.text)
    assert blocking.fix == ("BillingRuleView", "new", {"payer_id": mother.id})


def test_alternate_weeks_are_explained(session, town):
    (mother, father), child, subscription = family(session, town, adults=("mother", "father"))
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription], criterion="even_weeks")
    billing_rules.add_rule(father, date(2026, 9, 1), [subscription], criterion="odd_weeks")
    findings = diagnose(mother, TOWN_TODAY)
    shows(findings, WARNING, "semaines paires seulement : les semaines impaires ne sont pas "
                             "réservables (cette semaine est la semaine 47)")
    assert texts(findings, BLOCKING) == [f for f in texts(findings, BLOCKING)
                                         if "accès au portail" in f or "e-mail" in f]
    shows(diagnose(father, TOWN_TODAY), WARNING, "semaines impaires seulement")


def test_co_payer_books_outside_prepaid_only(session, town):
    (mother, father), child, subscription = family(session, town, adults=("mother", "father"))
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription], co_payer=father)
    findings = diagnose(father, TOWN_TODAY)
    shows(findings, OK, "(tiers solidaire)")
    assert not has(findings, BLOCKING, "Aucune règle de facturation")
    town["canteen"].regie.mode = "prepaid"
    findings = diagnose(father, TOWN_TODAY)
    shows(findings, WARNING, "le tiers solidaire ne peut ni réserver ni payer")
    shows(findings, BLOCKING, "Aucune règle de facturation de")
    shows(findings, WARNING, f"facturée à {mother.full_name}")


def test_child_without_class_or_service(session, town):
    _, (mother,), (child,) = factories.household("Rien")
    findings = diagnose(mother, TOWN_TODAY)
    shows(findings, BLOCKING, "n'est inscrit(e) dans aucune classe, ni en cours ni à venir")
    shows(findings, BLOCKING, "n'est inscrit(e) à aucune prestation")
    fixes = {f.fix[:2] for f in findings if f.fix}
    assert {("EnrollmentView", "enroll"), ("BookingView", "subscribe")} <= fixes


def test_an_upcoming_class_counts(session, town):
    _, (mother,), (child,) = factories.household("Rentrée")
    schooling.enroll(child, town["setup"]["classes"]["CE1 A"], date(2027, 1, 4))
    assert not has(diagnose(mother, TOWN_TODAY), BLOCKING, "aucune classe")


def test_service_not_linked_to_the_class(session, town):
    (mother,), child, subscription = family(session, town)
    # The child moved to CE1 B, which the canteen was never opened to.
    schooling.enroll(child, town["setup"]["classes"]["CE1 B"], date(2026, 11, 2))
    findings = diagnose(mother, TOWN_TODAY)
    shows(findings, BLOCKING, "Cantine n'est pas ouverte à la classe de")
    assert ("ServiceView", "edit", {"pk": town["canteen"].id}) in [f.fix for f in findings]


def test_missing_closure_periods(session, town):
    (mother,), _, _ = family(session, town)
    care = factories.service(session, "Garderie")
    bookings.subscribe(mother.wards[0].child, care, date(2026, 9, 1))
    findings = diagnose(mother, TOWN_TODAY)
    shows(findings, WARNING, "Aucune période de fermeture (vacances) pour Garderie")
    shows(findings, OK, "Cantine : des périodes de fermeture sont saisies")


def test_pending_consent(session, town):
    (mother,), child, _ = family(session, town)
    consent = consents.save(None, "Règlement", "", date(2026, 9, 1), None, everyone=True)
    shows(diagnose(mother, TOWN_TODAY), BLOCKING,
               f"Consentement « Règlement » pas encore accepté : les réservations de {child.first_name}")
    consents.accept(mother.id, consent.id, TOWN_TODAY)
    shows(diagnose(mother, TOWN_TODAY), OK, "Aucun consentement en attente")
