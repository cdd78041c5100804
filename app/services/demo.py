"""A believable demo town, generated with Faker's fr_FR locale.

Families of every shape a register meets: two parents, a single parent, separated parents whose
child belongs to both households, a grandparent living with the family who is not a guardian,
an adult-only household (a teacher who eats at the canteen), and some archived people.
Everything is written with bulk INSERTs so that 20,000 children load in seconds.
"""
import random
from collections import defaultdict
from datetime import date, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from faker import Faker

from app.services.calendar import today_in_town
from app.extensions import db
from app.models import (
    Criterion,
    CriterionValue,
    Guardianship,
    Household,
    HouseholdMember,
    Insurance,
    Person,
)
from app.models.base import utcnow
from app.services.text import search_name

TOWN = {"city": "Saint-Aubin-la-Marelle", "postal_code": "44190"}
CRITERIA = {
    # Diet, PAI and photo consent are a child's « Santé et autorisations » (ChildCare), not
    # criteria: the demo would show them twice, with different answers.
    ("Transport scolaire", "child"): ["Car du matin", "Car du soir", "Aucun"],
    ("Situation professionnelle", "adult"): ["En activité", "En recherche d'emploi", "Autre"],
}
INSURANCES = [("MAE", True), ("MAIF", True), ("MACIF", True), ("AXA", True), ("Ancienne mutuelle", False)]
# Share of families of each shape, in order of how often a town meets them.
SHAPES = [("couple", 0.56), ("single", 0.2), ("separated", 0.14), ("with_grandparent", 0.06),
          ("guardian", 0.04)]
CHUNK = 5000


def _insert_returning_ids(model, rows):
    ids = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        result = db.session.execute(
            sa.insert(model).returning(model.id, sort_by_parameter_order=True), chunk
        )
        ids.extend(result.scalars().all())
    return ids


def _insert(model, rows):
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(model), rows[start:start + CHUNK])


def load_settings() -> None:
    """Criteria and insurances the town would have set up (skipped when already there)."""
    if db.session.scalar(sa.select(sa.func.count(Criterion.id))):
        return
    for (label, applies_to), values in CRITERIA.items():
        db.session.add(Criterion(label=label, applies_to=applies_to,
                                 values=[CriterionValue(label=v) for v in values]))
    for label, visible in INSURANCES:
        db.session.add(Insurance(label=label, visible=visible))
    db.session.flush()


# How many paying parents get a billing history (load_billing_history).
HISTORY_PAYERS = 40


def load_demo_town(children: int = 300, seed: int = 2026, progress=None,
                   history_payers: int = HISTORY_PAYERS) -> dict:
    """Add families until `children` children are registered, with the billing history of
    `history_payers` of their parents; return what was created."""
    progress = progress or (lambda percent, message=None: None)
    fake = Faker("fr_FR")
    Faker.seed(seed)
    rng = random.Random(seed)
    today = today_in_town()
    now = utcnow()
    load_settings()
    progress(2, "settings")

    people, households = [], []  # rows, with links expressed as list indexes
    memberships, guardianships = [], []  # (household index, person index), (child, adult, rel)

    def person(kind, last, first=None, age_range=(30, 50), sex=None, archived=False, **extra):
        sex = sex or rng.choice("MF")
        first = first or (fake.first_name_male() if sex == "M" else fake.first_name_female())
        age_days = rng.randint(age_range[0] * 365, age_range[1] * 365)
        row = dict(kind=kind, last_name=last, first_name=first,
                   search_name=search_name(last, first),
                   birth_date=today - timedelta(days=age_days), can_login=False,
                   archived_at=now if archived else None, created_at=now,
                   email=None, phone=None, mobile_phone=None, profession=None)
        if kind == "adult":
            row.update(email=f"{search_name(first, '').strip().lower().replace(' ', '-')}."
                             f"{search_name(last, '').strip().lower().replace(' ', '-')}"
                             f"{len(people)}@example.fr",
                       mobile_phone=fake.numerify("06 ## ## ## ##"),
                       profession=fake.job()[:120], can_login=False)
        row.update(extra)
        people.append(row)
        return len(people) - 1

    def household(name):
        households.append(dict(name=name, address_line=fake.street_address(),
                               created_at=now, **TOWN))
        return len(households) - 1

    def kids(last, guardians_with_relation, homes, count):
        made = []
        for _ in range(count):
            child = person("child", last, age_range=(2, 11), archived=rng.random() < 0.01)
            for adult, relation in guardians_with_relation:
                guardianships.append((child, adult, relation))
            for home in homes:
                memberships.append((home, child))
            made.append(child)
        return made

    shapes, weights = zip(*SHAPES)
    created_children = 0
    while created_children < children:
        shape = rng.choices(shapes, weights)[0]
        last = fake.last_name()
        count = min(rng.choice((1, 1, 2, 2, 2, 3)), children - created_children)
        if shape in ("couple", "with_grandparent"):
            home = household(f"Foyer {last.upper()}")
            father = person("adult", last, sex="M")
            mother = person("adult", last, sex="F")
            memberships += [(home, father), (home, mother)]
            kids(last, [(father, "father"), (mother, "mother")], [home], count)
            if shape == "with_grandparent":
                # Lives with the family, may fetch the children, but is no legal guardian.
                memberships.append((home, person("adult", last, age_range=(62, 80))))
        elif shape == "single":
            home = household(f"Foyer {last.upper()}")
            sex = rng.choice("MMFFFF")
            parent = person("adult", last, sex=sex, archived=rng.random() < 0.02)
            memberships.append((home, parent))
            kids(last, [(parent, "mother" if sex == "F" else "father")], [home], count)
        elif shape == "separated":
            other_last = fake.last_name()
            home_a = household(f"Foyer {last.upper()}")
            home_b = household(f"Foyer {other_last.upper()}")
            father = person("adult", last, sex="M")
            mother = person("adult", other_last, sex="F")
            memberships += [(home_a, father), (home_b, mother)]
            kids(last, [(father, "father"), (mother, "mother")], [home_a, home_b], count)
        else:  # a child in the care of a legal guardian (aunt, foster family...)
            home = household(f"Foyer {last.upper()}")
            guardian = person("adult", last)
            memberships.append((home, guardian))
            kids(fake.last_name(), [(guardian, "guardian")], [home], count)
        created_children += count
        # An adult-only household now and then: a teacher or helper who eats at the canteen.
        if rng.random() < 0.01:
            teacher_last = fake.last_name()
            home = household(f"Foyer {teacher_last.upper()}")
            memberships.append((home, person("adult", teacher_last, profession="Enseignant")))
    progress(30, "generated")

    household_ids = _insert_returning_ids(Household, households)
    progress(45, "households")
    person_ids = _insert_returning_ids(Person, people)
    progress(75, "people")
    _insert(HouseholdMember, [dict(household_id=household_ids[h], person_id=person_ids[p])
                              for h, p in memberships])
    progress(88, "memberships")
    _insert(Guardianship, [dict(child_id=person_ids[c], adult_id=person_ids[a], relation=r)
                           for c, a, r in guardianships])
    db.session.flush()
    progress(90, "guardianships")
    child_rows = [(person_ids[i], row) for i, row in enumerate(people) if row["kind"] == "child"]
    # Who pays for each child: its guardians, and the home each of them lives in.
    home_of = {person: home for home, person in memberships}
    payers_of = defaultdict(list)
    for child, adult, _relation in guardianships:
        payers_of[person_ids[child]].append((person_ids[adult], home_of.get(adult)))
    school_counts = load_schooling(child_rows, household_ids, households, memberships,
                                   person_ids, rng, today, payers_of)
    progress(95, "schools and bookings")
    school_counts.update(load_billing_history(rng, today, history_payers))
    progress(98, "billing history")
    # Its own random stream: the families, schools and bookings stay those of the seed.
    care_rows = load_child_care(child_rows, fake, random.Random(seed + 1), now)
    return {
        "households": len(households),
        "adults": sum(1 for p in people if p["kind"] == "adult"),
        "children": sum(1 for p in people if p["kind"] == "child"),
        "health_records": care_rows,
        **school_counts,
    }


ALLERGIES = ["Arachide", "Fruits à coque", "Œuf", "Lait de vache", "Gluten", "Kiwi",
             "Poisson", "Piqûres de guêpe"]
PAI_DETAILS = ["Trousse PAI (stylo d'adrénaline) dans le bureau de l'accueil",
               "Antihistaminique et protocole dans la trousse de la cantine",
               "Panier repas fourni par la famille"]
PICKUP_RELATIONS = ["grand-mère", "grand-père", "tante", "oncle", "voisine", "nourrice"]


def load_child_care(child_rows, fake, rng, now, share=0.12) -> int:
    """« Santé et autorisations » for about one child in eight: allergies (some with a PAI),
    a diet, a doctor, the people allowed to fetch them, photo consent, leaving alone."""
    from app.models import ChildCare

    rows = []
    for person_id, row in child_rows:
        if row["archived_at"] is not None or rng.random() >= share:
            continue
        allergic = rng.random() < 0.6
        allergies = ", ".join(rng.sample(ALLERGIES, rng.choice((1, 1, 2)))) if allergic \
            else None
        has_pai = allergic and rng.random() < 0.5
        pickup = "\n".join(
            f"{fake.first_name()} {row['last_name']}, {rng.choice(PICKUP_RELATIONS)}, "
            f"{fake.numerify('06 ## ## ## ##')}" for _ in range(rng.choice((0, 1, 1, 2))))
        diet = rng.choice(("none", "none", "none", "no_pork", "vegetarian", "no_meat"))
        rows.append(dict(
            person_id=person_id, allergies=allergies, diet=diet, diet_detail=None,
            has_pai=has_pai, pai_detail=rng.choice(PAI_DETAILS) if has_pai else None,
            doctor_name=f"Dr {fake.last_name()}" if rng.random() < 0.7 else None,
            doctor_phone=fake.numerify("02 40 ## ## ##") if rng.random() < 0.7 else None,
            pickup_people=pickup or None,
            photo_consent=rng.choice(("yes", "yes", "no", "not_asked")),
            # Leaving alone is for the older ones (CM1, CM2): by birth date.
            may_leave_alone=(now.date() - row["birth_date"]).days > 9 * 365
            and rng.random() < 0.5,
            updated_at=now))
    _insert(ChildCare, rows)
    return len(rows)


LEVELS = [("PS", "Petite section"), ("MS", "Moyenne section"), ("GS", "Grande section"),
          ("CP", "Cours préparatoire"), ("CE1", "Cours élémentaire 1"),
          ("CE2", "Cours élémentaire 2"), ("CM1", "Cours moyen 1"), ("CM2", "Cours moyen 2")]
SCHOOL_NAMES = ["Jules-Ferry", "Jacques-Prévert", "Marie-Curie", "Victor-Hugo", "Jean-Moulin",
                "Louise-Michel", "Paul-Éluard", "Simone-Veil", "Antoine-de-Saint-Exupéry",
                "Jean-Jaurès", "Pierre-et-Marie-Curie", "Albert-Camus"]
PUPILS_PER_CLASS = 25
PUPILS_PER_SCHOOL = 500


def school_year_of(day: date):
    start_year = day.year if day.month >= 9 else day.year - 1
    return date(start_year, 9, 1), date(start_year + 1, 7, 4)


def load_schooling(child_rows, household_ids, households, memberships, person_ids, rng,
                   today, payers_of=None) -> dict:
    """Levels, school years, schools and classes sized to the town, a régie with its services
    and tariffs, quotients, enrollments by age, subscriptions, and this month's bookings.
    Skipped when the town already has schools (an --append load adds families only)."""
    from app.models import (Booking, Enrollment, FamilyQuotient, Level, Regie, School,
                            SchoolClass, SchoolYear, Service, Subscription, Tariff,
                            TariffBracket)

    if db.session.scalar(sa.select(sa.func.count(School.id))):
        return {}
    start, end = school_year_of(today)
    db.session.add_all([SchoolYear(label=f"{start.year}-{start.year + 1}", start_date=start,
                                   end_date=end),
                        SchoolYear(label=f"{start.year + 1}-{start.year + 2}",
                                   start_date=date(start.year + 1, 9, 1),
                                   end_date=date(start.year + 2, 7, 4))])
    levels = [Level(code=code, label=label, rank=rank)
              for rank, (code, label) in enumerate(LEVELS, start=1)]
    db.session.add_all(levels)
    school_count = max(1, round(len(child_rows) / PUPILS_PER_SCHOOL))
    schools = [School(name=f"École {SCHOOL_NAMES[i % len(SCHOOL_NAMES)]}"
                      + (f" {i // len(SCHOOL_NAMES) + 1}" if i >= len(SCHOOL_NAMES) else ""))
               for i in range(school_count)]
    adults_group = School(name="Adultes")
    db.session.add_all(schools + [adults_group])
    per_level = max(1, round(PUPILS_PER_SCHOOL / len(LEVELS) / PUPILS_PER_CLASS))
    classes = {}  # (school index, level index) -> [SchoolClass]
    for s_index, school in enumerate(schools):
        for l_index, level in enumerate(levels):
            classes[(s_index, l_index)] = [
                SchoolClass(school=school, level=level, name=f"{level.code} {'ABCD'[k]}")
                for k in range(per_level)]
            db.session.add_all(classes[(s_index, l_index)])
    db.session.add(SchoolClass(school=adults_group, name="Adultes"))
    regie = Regie(code="ENF", name="Régie Enfance", mode="postpaid",
                  creditor_id="FR72ZZZ123456", iban="FR7630004000010000000012358",
                  bic="BNPAFRPP", payment_term_days=30, payment_instructions=(
                      "À l'accueil de la régie (espèces, chèque à l'ordre du Trésor public, "
                      "carte, CESU, ANCV), par virement, ou sur le portail parents."))
    # Parents book up to 8 weeks ahead on the portal: the weeks the town has planned.
    meal = Service(name="Restauration scolaire", regie=regie, start_time=time(11, 45),
                   billing_basis="booking", tax_deductible=False, deadline_days=2,
                   deadline_time=time(10, 0), weekdays="0,1,3,4", portal_weeks_ahead=8,
                   color="#2a9d8f")
    morning = Service(name="Accueil du matin", regie=regie, start_time=time(7, 30),
                      billing_basis="attendance", tax_deductible=True, deadline_days=1,
                      deadline_time=time(18, 0), weekdays="0,1,3,4", portal_weeks_ahead=8,
                      color="#e9c46a")
    evening = Service(name="Accueil du soir", regie=regie, start_time=time(16, 30),
                      billing_basis="attendance", tax_deductible=True, deadline_days=1,
                      deadline_time=time(18, 0), weekdays="0,1,3,4", portal_weeks_ahead=8,
                      color="#f4a261")
    wednesday = Service(name="Mercredi loisirs", regie=regie, start_time=time(8, 0),
                        billing_basis="booking", tax_deductible=True, deadline_days=7,
                        deadline_time=time(12, 0), weekdays="2", portal_weeks_ahead=8,
                        color="#264653")
    db.session.add_all([regie, meal, morning, evening, wednesday])
    db.session.add_all([
        Tariff(service=meal, start_date=start, brackets=[
            TariffBracket(qf_min=Decimal(0), qf_max=Decimal(500), unit_price=Decimal("1.00")),
            TariffBracket(qf_min=Decimal(501), qf_max=Decimal(900), unit_price=Decimal("2.60")),
            TariffBracket(qf_min=Decimal(901), qf_max=Decimal(1400), unit_price=Decimal("3.70")),
            TariffBracket(qf_min=Decimal(1401), qf_max=None, unit_price=Decimal("4.50"))]),
        Tariff(service=morning, start_date=start, unit_price=Decimal("1.40")),
        Tariff(service=evening, start_date=start, unit_price=Decimal("2.10")),
        Tariff(service=wednesday, start_date=start, brackets=[
            TariffBracket(qf_min=Decimal(0), qf_max=Decimal(700), unit_price=Decimal("6.00")),
            TariffBracket(qf_min=Decimal(701), qf_max=None, unit_price=Decimal("12.50"))]),
    ])
    db.session.flush()
    # The official holidays of zone B close every service, as a town would set them up.
    from app.services.periods import create_official_periods

    this_year = db.session.scalar(sa.select(SchoolYear).where(SchoolYear.start_date == start))
    closed_days = set()
    try:
        official = create_official_periods("B", this_year)
    except Exception:  # the official calendar may not cover a far future year
        official = []
    for period in official:
        period.services = [meal, morning, evening, wednesday]
        day = period.start_date
        while day <= period.end_date:
            closed_days.add(day)
            day += timedelta(days=1)
    # Two households in three have handed in their CAF quotient.
    _insert(FamilyQuotient, [dict(household_id=hid, value=Decimal(rng.randrange(250, 2200)),
                                  start_date=start, end_date=end)
                             for hid in household_ids if rng.random() < 0.67])
    # Children are placed by age: a child born in year Y is in PS the year it turns 3.
    enrollments, subscriptions, booking_rows = [], [], []
    month_start = today.replace(day=1)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    for index, (person_id, row) in enumerate(child_rows):
        if row["archived_at"] is not None:
            continue
        level_index = start.year - row["birth_date"].year - 3
        if not 0 <= level_index < len(LEVELS):
            continue
        school_class = rng.choice(classes[(index % school_count, level_index)])
        enrollments.append(dict(person_id=person_id, school_class_id=school_class.id,
                                level_id=school_class.level_id, start_date=start, end_date=None,
                                created_at=utcnow()))
        for service, share, days in ((meal, 0.8, (0, 1, 3, 4)), (morning, 0.25, (0, 1, 3, 4)),
                                     (evening, 0.35, (0, 1, 3, 4)), (wednesday, 0.2, (2,))):
            if rng.random() >= share:
                continue
            subscriptions.append(dict(person_id=person_id, service_id=service.id,
                                      start_date=start, end_date=None, created_at=utcnow()))
            if service.billing_basis != "booking":
                continue
            usual = [d for d in days if rng.random() < 0.9]
            day = month_start
            while day <= month_end:
                if day.weekday() in usual and day not in closed_days:
                    booking_rows.append(dict(person_id=person_id, service_id=service.id,
                                             date=day, created_at=utcnow()))
                day += timedelta(days=1)
    _insert(Enrollment, enrollments)
    subscription_ids = _insert_returning_ids(Subscription, subscriptions)
    rules = load_billing_rules(subscriptions, subscription_ids, payers_of or {}, start)
    _insert(Booking, booking_rows)
    db.session.flush()
    return {"schools": school_count, "enrollments": len(enrollments),
            "subscriptions": len(subscriptions), "bookings": len(booking_rows),
            "billing_rules": rules}


def load_billing_rules(subscriptions, subscription_ids, payers_of, start) -> int:
    """One rule per paying parent covering all the child's subscriptions; separated parents
    (guardians in two homes) share the weeks, even for one and odd for the other."""
    from app.models import BillingRule
    from app.models.billing import billing_rule_subscription

    by_child = defaultdict(list)
    for row, subscription_id in zip(subscriptions, subscription_ids):
        by_child[row["person_id"]].append(subscription_id)
    rule_rows, covered = [], []
    for child_id, ids in by_child.items():
        payers = payers_of.get(child_id, [])
        if not payers:
            continue
        separated = len(payers) == 2 and payers[0][1] != payers[1][1]
        plans = ([(payers[0][0], "even_weeks"), (payers[1][0], "odd_weeks")] if separated
                 else [(payers[0][0], "all_weeks")])
        for payer_id, criterion in plans:
            rule_rows.append(dict(payer_id=payer_id, co_payer_id=None, start_date=start,
                                  end_date=None, criterion=criterion, weeks=None,
                                  created_at=utcnow()))
            covered.append(ids)
    rule_ids = _insert_returning_ids(BillingRule, rule_rows)
    _insert(billing_rule_subscription, [dict(billing_rule_id=rule_id, subscription_id=sid)
                                        for rule_id, ids in zip(rule_ids, covered) for sid in ids])
    return len(rule_ids)


# The demo's billing history: what these families were billed and paid, month by month,
# since January of last year (tax certificates, statements, reminders have something to show).
HISTORY_PRICES = {"Restauration scolaire": Decimal("3.70"), "Accueil du matin": Decimal("1.40"),
                  "Accueil du soir": Decimal("2.10"), "Mercredi loisirs": Decimal("12.50")}
HISTORY_METHODS = ("card", "card", "cheque", "transfer", "cash")


def _month_days(month_start: date, weekdays) -> list:
    from app.services.calendar import is_public_holiday

    days, day = [], month_start
    while day.month == month_start.month:
        if day.weekday() in weekdays and not is_public_holiday(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def load_billing_history(rng: random.Random, today: date, payers: int = HISTORY_PAYERS) -> dict:
    """Invoices of every month from January of last year to last month (summers aside) for
    the first `payers` paying parents, validated on the 1st of the next month and mostly paid
    at the desk later that month — through the billing and payment services, each on its own
    day (calendar.clock_at), so numbers, journal and accounts are those a real town has."""
    from datetime import datetime

    from app.models import BillingRule, Invoice, InvoiceLine, Regie, Service, Subscription
    from app.models.billing import billing_rule_subscription
    from app.services import billing, payments
    from app.services.calendar import clock_at

    regie = db.session.scalar(sa.select(Regie).where(Regie.code == "ENF"))
    if regie is None:
        return {"history_invoices": 0, "history_payments": 0}
    services = {s.id: s for s in db.session.scalars(sa.select(Service).where(
        Service.regie_id == regie.id))}
    covered = defaultdict(list)  # payer -> [(child, service)]
    chosen = db.session.scalars(sa.select(BillingRule.payer_id).where(
        BillingRule.criterion == "all_weeks").distinct().order_by(BillingRule.payer_id)
        .limit(payers)).all()
    for payer_id, child_id, service_id in db.session.execute(
            sa.select(BillingRule.payer_id, Subscription.person_id, Subscription.service_id)
            .join(billing_rule_subscription,
                  billing_rule_subscription.c.billing_rule_id == BillingRule.id)
            .join(Subscription, Subscription.id == billing_rule_subscription.c.subscription_id)
            .where(BillingRule.payer_id.in_(chosen))
            .order_by(BillingRule.payer_id, Subscription.person_id, Subscription.service_id)):
        if service_id in services:
            covered[payer_id].append((child_id, services[service_id]))
    names = dict(db.session.execute(sa.select(Person.id, Person.last_name + " " +
                                              Person.first_name)
                                    .where(Person.id.in_({c for pairs in covered.values()
                                                          for c, _s in pairs}))).all())
    month = date(today.year - 1, 1, 1)
    this_month = today.replace(day=1)
    invoice_count = payment_count = 0
    while month < this_month:
        following = (month + timedelta(days=32)).replace(day=1)
        if month.month in (7, 8):
            month = following
            continue
        drafts = []
        for payer_id, pairs in covered.items():
            lines = []
            for child_id, service in pairs:
                weekdays = {int(d) for d in (service.weekdays or "0,1,2,3,4").split(",") if d}
                days = [d for d in _month_days(month, weekdays) if rng.random() < 0.8]
                if not days:
                    continue
                price = HISTORY_PRICES.get(service.name, Decimal("2.00"))
                lines.append(InvoiceLine(
                    person_id=child_id, service_id=service.id, person_name=names[child_id],
                    service_name=service.name, quantity=len(days), unit_price=price,
                    amount=price * len(days), dates=",".join(d.isoformat() for d in days),
                    first_date=days[0], last_date=days[-1]))
            if lines:
                drafts.append(Invoice(
                    kind="invoice", regie_id=regie.id, payer_id=payer_id, status="draft",
                    period_start=month, period_end=following - timedelta(days=1),
                    due_date=following + timedelta(days=regie.payment_term_days or 30),
                    total=sum((line.amount for line in lines), Decimal(0)), lines=lines))
        db.session.add_all(drafts)
        db.session.flush()
        if drafts:
            with clock_at(datetime.combine(following, time(9, 0))):
                billing.validate([i.id for i in drafts])
            invoice_count += len(drafts)
        for invoice in drafts:
            # Most families pay within the month; one in thirty forgets (« à relancer »).
            if rng.random() < 0.035:
                continue
            day = following + timedelta(days=rng.randrange(5, 25))
            if day >= today:
                continue
            method = rng.choice(HISTORY_METHODS)
            with clock_at(datetime.combine(day, time(10, 30))):
                payments.record_payment(
                    invoice.payer_id, regie.id, invoice.total, method, day=day,
                    cheque_number=str(rng.randrange(1000000, 9999999))
                    if method == "cheque" else None, invoice_ids=[invoice.id])
            payment_count += 1
        month = following
    db.session.flush()
    return {"history_invoices": invoice_count, "history_payments": payment_count}


DEMO_PARENT_EMAIL = "famille@exemple.fr"


def open_demo_parent(password: str):
    """A portal login for one demo payer whose children are subscribed (the README's demo
    parent), with the town's portal texts. Returns the adult, or None when there is none."""
    from werkzeug.security import generate_password_hash

    from app.models import BillingRule, Guardianship, PortalText, Subscription
    from app.services import portal_accounts

    if portal_accounts.account_of_email(DEMO_PARENT_EMAIL) is not None:
        return None
    adult = db.session.scalars(
        sa.select(Person).join(BillingRule, BillingRule.payer_id == Person.id)
        .join(Guardianship, Guardianship.adult_id == Person.id)
        .join(Subscription, Subscription.person_id == Guardianship.child_id)
        .where(Person.archived_at.is_(None), BillingRule.criterion == "all_weeks")
        .order_by(Person.id).limit(1)).first()
    if adult is None:
        return None
    account = portal_accounts.open_account(adult, DEMO_PARENT_EMAIL)
    # A demo login, like the staff's: its password is not the policy's (never on a real town).
    portal_accounts.user_of(account).password = generate_password_hash(password)
    portal_accounts.activated(account.user_id)
    texts = {
        "login": "Bienvenue sur le portail famille de Saint-Aubin-la-Marelle : réservez la "
                 "cantine et le périscolaire, consultez vos factures.",
        "home": "Les réservations de la semaine suivante ferment 2 jours ouvrés avant, à 10 h.",
        "contact": "Service enfance — Mairie de Saint-Aubin-la-Marelle\n02 40 00 00 00 — "
                   "enfance@exemple.fr\nDu lundi au vendredi, 8 h 30 – 12 h.",
        "booking": "Cochez les jours souhaités puis enregistrez. Une case grisée dit pourquoi "
                   "elle ne peut pas changer.",
    }
    for key, body in texts.items():
        if db.session.get(PortalText, key) is None:
            db.session.add(PortalText(key=key, body=body))
    db.session.flush()
    return adult
