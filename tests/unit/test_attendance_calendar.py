"""Attendance sheet and marks, deadlines, and the official school calendar."""
from datetime import date, datetime, time

import pytest

from app.services import RuleViolation, attendance, bookings, periods
from app.services.calendar import TOWN_TZ, deadline_for
from tests import factories


def test_sheet_sorted_by_school_class_name_with_flags(session):
    setup = factories.school_setup(session)
    meal = factories.service(session)
    ce1 = factories.pupil(session, setup["classes"]["CE1 A"], last="Zola", service_row=meal)
    cp_b = factories.pupil(session, setup["classes"]["CP A"], last="Bazin", service_row=meal)
    cp_a = factories.pupil(session, setup["classes"]["CP A"], last="Adam", service_row=meal)
    day = date(2026, 11, 5)
    bookings.book(cp_a, meal, day)
    bookings.book(ce1, meal, day)
    attendance.mark(cp_b, meal, day, "present", now=datetime(2026, 11, 5, 12, 0, tzinfo=TOWN_TZ))
    rows = attendance.sheet(meal, day, [setup["classes"]["CP A"].id, setup["classes"]["CE1 A"].id])
    assert [(r.school_class, r.name.split()[0]) for r in rows] == [
        ("CP A", "ADAM"), ("CP A", "BAZIN"), ("CE1 A", "ZOLA")]
    assert [r.flag for r in rows] == ["booked_not_marked", "present_not_booked",
                                      "booked_not_marked"]
    outsider = factories.pupil(session, setup["classes"]["CP A"], last="Externe")
    assert outsider.id not in {r.person_id for r in attendance.sheet(meal, day)}
    assert attendance.summary(rows)["booked_not_marked"] == 2


def test_a_session_that_has_not_started_cannot_be_marked(session):
    setup = factories.school_setup(session)
    meal = factories.service(session, start="11:45")
    child = factories.pupil(session, setup["classes"]["CP A"], service_row=meal)
    before = datetime(2026, 11, 5, 11, 44, tzinfo=TOWN_TZ)
    with pytest.raises(RuleViolation) as refused:
        attendance.mark(child, meal, date(2026, 11, 5), "present", now=before)
    assert refused.value.message == ("La séance du 05/11/2026 à 11:45 n'a pas encore commencé : "
                                     "la présence ne peut pas être saisie.")
    row = attendance.mark(child, meal, date(2026, 11, 5), "unexcused_absence",
                          now=datetime(2026, 11, 5, 11, 45, tzinfo=TOWN_TZ))
    assert row.status == "unexcused_absence"
    with pytest.raises(RuleViolation, match="présent, absence excusée ou absence non excusée"):
        attendance.mark(child, meal, date(2026, 11, 5), "late",
                        now=datetime(2026, 11, 5, 12, 0, tzinfo=TOWN_TZ))


@pytest.mark.parametrize("day, expected", [
    (date(2026, 12, 7), datetime(2026, 12, 3, 10, 0, tzinfo=TOWN_TZ)),   # Monday -> Thursday
    (date(2026, 11, 12), datetime(2026, 11, 9, 10, 0, tzinfo=TOWN_TZ)),  # 11 Nov skipped
    (date(2026, 12, 9), datetime(2026, 12, 7, 10, 0, tzinfo=TOWN_TZ)),
])
def test_portal_deadline_skips_weekends_and_public_holidays(day, expected):
    assert deadline_for(day, 2, time(10, 0)) == expected


def test_official_school_holidays_zone_b(session):
    year = factories.school_setup(session)["years"]["2026-2027"]
    proposals = periods.official_periods("B", year)
    labels = [(p["label"], p["start"]) for p in proposals]
    assert ("Vacances de la Toussaint", date(2026, 10, 17)) in labels
    assert ("Férié : 11 novembre", date(2026, 11, 11)) in labels
    assert all(p["start"] <= p["end"] for p in proposals)
    created = periods.create_official_periods("B", year)
    assert created and all(not p.services for p in created)
    assert periods.create_official_periods("B", year) == []  # never twice
    with pytest.raises(RuleViolation, match="La zone est A, B ou C."):
        periods.official_periods("D", year)
