"""Enrollments, class history and the new school year."""
from datetime import date

import pytest

from app.models import SchoolYear
from app.services import RuleViolation, schooling
from tests import factories


def test_enrolling_closes_the_previous_class_and_keeps_history(session):
    setup = factories.school_setup(session)
    classes = setup["classes"]
    child = factories.pupil(session, classes["CE1 A"])
    schooling.enroll(child, classes["CE1 B"], date(2027, 1, 4))
    history = schooling.class_history(child.id)
    assert [(e.school_class.name, e.start_date, e.end_date) for e in history] == [
        ("CE1 B", date(2027, 1, 4), None),
        ("CE1 A", date(2026, 9, 1), date(2027, 1, 3)),
    ]
    assert history[0].school_year.label == "2026-2027"
    assert schooling.enrollment_on(child.id, date(2026, 12, 1)).school_class.name == "CE1 A"
    assert schooling.enrollment_on(child.id, date(2027, 2, 1)).school_class.name == "CE1 B"


def test_enrollment_bad_dates_are_refused(session):
    setup = factories.school_setup(session)
    child = factories.pupil(session, setup["classes"]["CP A"])
    with pytest.raises(RuleViolation, match="La date de fin ne peut pas précéder la date de début."):
        schooling.enroll(child, setup["classes"]["CE1 A"], date(2027, 3, 1), end_date=date(2027, 2, 1))
    with pytest.raises(RuleViolation, match="a déjà une classe à partir du 01/09/2026"):
        schooling.enroll(child, setup["classes"]["CE1 A"], date(2026, 9, 1))


def test_school_years_may_not_overlap(session):
    factories.school_setup(session)
    with pytest.raises(RuleViolation, match="chevauche 2026-2027"):
        schooling.check_school_year(SchoolYear(label="X", start_date=date(2027, 6, 1),
                                               end_date=date(2027, 8, 31)))


def test_new_school_year_promotes_with_leavers_and_repeaters(session):
    setup = factories.school_setup(session)
    classes, years = setup["classes"], setup["years"]
    cp = factories.pupil(session, classes["CP A"], last="Promu")
    repeater = factories.pupil(session, classes["CP A"], last="Redouble")
    cm2 = factories.pupil(session, classes["CM2 A"], last="Collège")
    preview = {m.person_name.split()[0]: m for m in
               schooling.new_year_preview(years["2026-2027"], years["2027-2028"])}
    assert (preview["PROMU"].decision, preview["PROMU"].to_level) == ("promote", "CE1")
    assert preview["COLLÈGE"].decision == "leave"
    counts = schooling.apply_new_year(years["2026-2027"], years["2027-2028"],
                                      {preview["REDOUBLE"].enrollment_id: "repeat"})
    assert counts == {"promote": 1, "repeat": 1, "leave": 1}
    autumn = date(2027, 9, 15)
    assert schooling.enrollment_on(cp.id, autumn).level.code == "CE1"
    assert schooling.enrollment_on(repeater.id, autumn).school_class.name == "CP A"
    assert schooling.enrollment_on(cm2.id, autumn) is None
    assert schooling.enrollment_on(cm2.id, date(2027, 7, 3)).school_class.name == "CM2 A"
