"""Build register data in one call, through the same services the application uses."""
from datetime import date

import sqlalchemy as sa

from app.services import registry
from app.services.registry import HouseholdData, PersonData

_counter = [0]


def _n():
    _counter[0] += 1
    return _counter[0]


def adult_data(last="Martin", first=None, **extra):
    return PersonData(last_name=last, first_name=first or f"Adulte{_n()}",
                      birth_date=extra.pop("birth_date", date(1985, 3, 14)), **extra)


def child_data(last="Martin", first=None, birth_date=date(2019, 6, 1)):
    return PersonData(last_name=last, first_name=first or f"Enfant{_n()}", birth_date=birth_date)


def household(last="Martin", adults=("mother",), children=1, **address):
    """A household with its adults (one per relation given) and children linked to all of them.

    Returns (household, adults, children)."""
    address = {"address_line": "3 rue des Écoles", "postal_code": "44190",
               "city": "Saint-Aubin-la-Marelle", **address}
    first_adult = registry.new_person("adult", adult_data(last))
    home = registry.create_household(HouseholdData(name=f"Foyer {last.upper()}", **address),
                                     first_adult)
    grown_ups = [first_adult] + [
        registry.add_adult(adult_data(last), household=home) for _ in adults[1:]
    ]
    kids = []
    for _ in range(children):
        kid = registry.add_child(child_data(last), grown_ups[0], adults[0])
        for adult, relation in zip(grown_ups[1:], adults[1:]):
            registry.link_guardian(kid, adult, relation)
        kids.append(kid)
    return home, grown_ups, kids


# ---------------------------------------------------------------------------------------------
# Schools, services, tariffs

LEVELS = ["PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2"]


def school_setup(session, name="École Jules-Ferry"):
    """Levels PS..CM2, a school with one class per level (and a CE1 B), an “Adultes” group,
    and the school years 2026-2027 and 2027-2028."""
    from app.models import Level, School, SchoolClass, SchoolYear

    levels = {}
    for rank, code in enumerate(LEVELS, start=1):
        level = session.query(Level).filter_by(code=code).one_or_none()
        if level is None:
            level = Level(code=code, label=code, rank=rank)
            session.add(level)
        levels[code] = level
    school = School(name=name)
    classes = {f"{code} A": SchoolClass(school=school, name=f"{code} A", level=levels[code])
               for code in LEVELS}
    classes["CE1 B"] = SchoolClass(school=school, name="CE1 B", level=levels["CE1"])
    adults = School(name=f"Adultes {name}")
    classes["Adultes"] = SchoolClass(school=adults, name="Adultes")
    years = [SchoolYear(label="2026-2027", start_date=date(2026, 9, 1),
                        end_date=date(2027, 7, 3)),
             SchoolYear(label="2027-2028", start_date=date(2027, 9, 1),
                        end_date=date(2028, 7, 5))]
    existing = {y.label for y in session.query(SchoolYear)}
    session.add_all([school, adults, *classes.values(),
                     *[y for y in years if y.label not in existing]])
    session.flush()
    return {"levels": levels, "school": school, "classes": classes,
            "years": {y.label: y for y in session.query(SchoolYear)}}


def regie(session, code="ENF", mode="postpaid"):
    from app.models import Regie

    row = Regie(code=code, name=f"Régie {code}", mode=mode)
    session.add(row)
    session.flush()
    return row


def service(session, name="Restauration scolaire", regie_row=None, classes=(),
            weekdays="0,1,3,4", start="11:45", **extra):
    from datetime import time

    from app.models import Service

    hours, minutes = (int(x) for x in start.split(":"))
    row = Service(name=name, regie=regie_row or regie(session, code=f"R{_n()}"),
                  start_time=time(hours, minutes), billing_basis=extra.pop("billing_basis",
                                                                            "booking"),
                  tax_deductible=extra.pop("tax_deductible", False), deadline_days=2,
                  deadline_time=time(10, 0), weekdays=weekdays, classes=list(classes), **extra)
    session.add(row)
    session.flush()
    return row


def pupil(session, school_class, start=date(2026, 9, 1), last="Élève", service_row=None):
    """A child enrolled in a class, subscribed to a service when one is given."""
    from app.services import bookings, schooling

    _, _, (child,) = household(last)
    schooling.enroll(child, school_class, start)
    if service_row is not None:
        bookings.subscribe(child, service_row, start)
    return child


def invoice_days(session, child, service_row, first, last, price="3.00"):
    """Bill `child`'s bookings of `service_row` from `first` to `last` the way a régisseur does:
    a tariff, a billing rule on a guardian, a generated draft. Returns the generation result."""
    from decimal import Decimal

    from app.models import Guardianship, Subscription, Tariff
    from app.services import billing, billing_rules

    if session.scalar(sa.select(Tariff.id).where(Tariff.service_id == service_row.id)) is None:
        session.add(Tariff(service=service_row, start_date=date(2026, 9, 1),
                           unit_price=Decimal(price)))
    guardian = session.scalars(sa.select(Guardianship).where(
        Guardianship.child_id == child.id)).first().adult
    subscription = session.scalars(sa.select(Subscription).where(
        Subscription.person_id == child.id, Subscription.service_id == service_row.id)).one()
    billing_rules.add_rule(guardian, date(2026, 9, 1), [subscription])
    return billing.generate_drafts(service_row.regie_id, [service_row.id], first, last)


# ---------------------------------------------------------------------------------------------
# Invoices and payments


def validated_invoice(session, payer, regie_row, total="50.00", due_date=date(2026, 12, 15)):
    """A validated invoice of `total` to `payer` at `regie_row`, numbered by the validation
    service (no lines: payments only look at totals)."""
    from decimal import Decimal

    from app.models import Invoice
    from app.services import billing

    invoice = Invoice(kind="invoice", regie_id=regie_row.id, payer_id=payer.id, status="draft",
                      period_start=date(2026, 11, 1), period_end=date(2026, 11, 30),
                      due_date=due_date, total=Decimal(total))
    session.add(invoice)
    session.flush()
    billing.validate([invoice.id])
    return invoice


def payer_with_invoices(session, *totals, code=None):
    """(payer, régie, [validated invoices of those totals])."""
    regie_row = regie(session, code=code or f"P{_n()}")
    _, (payer,), _ = household("Payeur", children=0)
    return payer, regie_row, [validated_invoice(session, payer, regie_row, t) for t in totals]


# ---------------------------------------------------------------------------------------------
# Direct debits

CREDITOR = dict(creditor_id="FR72ZZZ123456", iban="FR7630004000010000000012358", bic="BNPAFRPP")
DEBTOR_IBAN = "FR1420041010050500013M02606"


def sepa_regie(session, code=None):
    """A régie able to send direct debits (valid ICS and account)."""
    row = regie(session, code=code or f"D{_n()}")
    for key, value in CREDITOR.items():
        setattr(row, key, value)
    session.flush()
    return row


def mandate(session, payer, regie_row, iban=DEBTOR_IBAN, status="active"):
    from app.models import Mandate
    from app.services import sepa

    row = Mandate(adult_id=payer.id, regie_id=regie_row.id, signed_on=date(2026, 9, 1),
                  iban=iban, status=status)
    sepa.save_mandate(row)
    return row


def debit_invoice(session, payer, regie_row, total="42.50", debit_date=date(2026, 11, 25)):
    """A validated invoice to be paid by direct debit on `debit_date`."""
    from decimal import Decimal

    from app.models import Invoice
    from app.services import billing

    invoice = Invoice(kind="invoice", regie_id=regie_row.id, payer_id=payer.id, status="draft",
                      period_start=date(2026, 10, 1), period_end=date(2026, 10, 31),
                      due_date=date(2026, 12, 15), debit_date=debit_date, total=Decimal(total))
    session.add(invoice)
    session.flush()
    billing.validate([invoice.id])
    return invoice


def debit_payer(session, regie_row, *totals, last="Prélevé", with_mandate=True):
    """(payer, [validated invoices]) of a payer with an active mandate at the régie."""
    _, (payer,), _ = household(last, children=0)
    if with_mandate:
        mandate(session, payer, regie_row)
    return payer, [debit_invoice(session, payer, regie_row, t) for t in totals]


# ---------------------------------------------------------------------------------------------
# Parents' portal


def parent_login(session, adult, email=None, password=None):
    """A portal login for the adult, its password already chosen (as the invitation link
    would have it). Returns the e-mail to log in with."""
    from werkzeug.security import generate_password_hash

    from app.services import portal_accounts
    from tests.support import PASSWORD

    email = email or f"{adult.first_name.lower()}.{_n()}@exemple.fr"
    account = portal_accounts.open_account(adult, email)
    portal_accounts.user_of(account).password = generate_password_hash(password or PASSWORD)
    portal_accounts.activated(account.user_id)
    session.flush()
    return email


def portal_family(session, last="Portail", mode="postpaid", adults=("mother",)):
    """A child in CP A of a school, subscribed to the canteen (Mon, Tue, Thu, Fri; D-2 at
    10:00 skipping closed days; 3,20 € a meal) whose first adult pays every week from
    1/9/2026 and has a portal login. Returns (regie, meal, adults, child, email)."""
    from decimal import Decimal

    from app.models import Tariff
    from app.services import billing_rules, bookings, schooling

    setup = school_setup(session, name=f"École {last} {_n()}")
    regie_row = regie(session, code=f"P{_n()}", mode=mode)
    meal = service(session, name=f"Cantine {regie_row.code}", regie_row=regie_row,
                   classes=[setup["classes"]["CP A"]])
    session.add(Tariff(service=meal, start_date=date(2026, 9, 1), unit_price=Decimal("3.20")))
    _, grown_ups, (child,) = household(last, adults=adults)
    schooling.enroll(child, setup["classes"]["CP A"], date(2026, 9, 1))
    subscription = bookings.subscribe(child, meal, date(2026, 9, 1))
    billing_rules.add_rule(grown_ups[0], date(2026, 9, 1), [subscription])
    email = parent_login(session, grown_ups[0])
    return regie_row, meal, grown_ups, child, email


# ---------------------------------------------------------------------------------------------
# Tax certificates

OCTOBER_DAYS = [date(2026, 10, d) for d in (1, 2, 5, 6, 7, 8, 9, 12, 13, 14)]


def invoice_line(child, service_row, price, days=OCTOBER_DAYS):
    """An invoice line billing `child`'s `service_row` on `days` at `price` each."""
    from decimal import Decimal

    from app.models import InvoiceLine

    return InvoiceLine(person_id=child.id, service_id=service_row.id,
                       person_name=child.full_name, service_name=service_row.name,
                       quantity=len(days), unit_price=Decimal(price),
                       amount=Decimal(price) * len(days),
                       dates=",".join(d.isoformat() for d in days), first_date=days[0],
                       last_date=days[-1])


def invoice_with_lines(session, payer, regie_row, lines, start=date(2026, 10, 1),
                       end=date(2026, 10, 31)):
    """A validated invoice of these lines, its total their sum."""
    from decimal import Decimal

    from app.models import Invoice
    from app.services import billing

    invoice = Invoice(kind="invoice", regie_id=regie_row.id, payer_id=payer.id, status="draft",
                      period_start=start, period_end=end, due_date=date(2026, 11, 30),
                      total=sum((line.amount for line in lines), Decimal("0")), lines=lines)
    session.add(invoice)
    session.flush()
    billing.validate([invoice.id])
    return invoice


def care_family(session):
    """Léa, 5 on 1/1/2026 (born 1/3/2020), and Hugo, 6 that day (born 1/1/2020: his sixth
    birthday is 1 January itself); their mother pays one October invoice at régie ENF:
    Léa's after-school care 20,00 €, Léa's meals 35,00 €, Hugo's care 20,00 € (75,00 €)."""
    regie_row = regie(session, code="ENF")
    care = service(session, "Garderie du soir", regie_row, tax_deductible=True)
    meals = service(session, "Restauration scolaire", regie_row)
    _, (mother,), (lea, hugo) = household("Durand", children=2)
    lea.first_name, lea.birth_date = "Léa", date(2020, 3, 1)
    hugo.first_name, hugo.birth_date = "Hugo", date(2020, 1, 1)
    invoice = invoice_with_lines(session, mother, regie_row, [
        invoice_line(lea, care, "2.00"), invoice_line(lea, meals, "3.50"),
        invoice_line(hugo, care, "2.00")])
    return {"regie": regie_row, "care": care, "meals": meals, "mother": mother, "lea": lea,
            "hugo": hugo, "invoice": invoice}
