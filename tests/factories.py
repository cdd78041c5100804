"""Build register data in one call, through the same services the application uses."""
from datetime import date

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
