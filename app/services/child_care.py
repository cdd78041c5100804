"""« Santé et autorisations »: a child's allergies, diet, PAI, doctor, the people allowed to
fetch them and what the family authorised (photos, leaving alone). One ChildCare row per
child, written here only; read by the child's record, the attendance sheet and the
information sheets. Health data: the purge erases it (app.services.privacy).

A scoped staff member's queries only load the rows of children in their scope
(app.security.scopes): a row out of scope is not found."""
from dataclasses import dataclass
from typing import NamedTuple, Optional

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import ChildCare, Person
from app.models.base import utcnow
from app.models.people import DIETS, PHOTO_CONSENTS
from app.services import RuleViolation, audit, bulk, problems_of, refuse_all
from app.services.registry import check_phone, ensure_editable

# Longest texts the columns hold (allergies and pick-up people are free text).
LIMITS = {"diet_detail": 200, "pai_detail": 250, "doctor_name": 150}


@dataclass
class CareData:
    """What a form says about a child's health and permissions, before it is checked."""

    allergies: Optional[str] = None
    diet: str = "none"
    diet_detail: Optional[str] = None
    has_pai: bool = False
    pai_detail: Optional[str] = None
    doctor_name: Optional[str] = None
    doctor_phone: Optional[str] = None
    pickup_people: Optional[str] = None
    photo_consent: str = "not_asked"
    may_leave_alone: bool = False


def _line(value):
    """One line of text, spaces tidied; None when empty."""
    if isinstance(value, str):
        value = " ".join(value.split())
    return value or None


def _lines(value):
    """Several lines (allergies, pick-up people): each tidied, empty ones dropped."""
    if not isinstance(value, str):
        return value or None
    kept = [" ".join(line.split()) for line in value.splitlines()]
    return "\n".join(line for line in kept if line) or None


def care_problems(data: CareData) -> list:
    """Every (field, message) wrong in what is said, not just the first: a form shows them all
    at once."""
    problems = []
    if data.diet not in DIETS:
        problems.append(("diet", _("Choose a diet in the list.")))
    elif data.diet == "other" and not _line(data.diet_detail):
        problems.append(("diet_detail", _("Say which diet (« other » needs its detail).")))
    if data.photo_consent not in PHOTO_CONSENTS:
        problems.append(("photo_consent", _("Choose an answer in the list.")))
    if _line(data.pai_detail) and not data.has_pai:
        problems.append(("pai_detail", _("Tick « PAI » or clear its detail: a detail without "
                                         "a PAI would mislead the staff.")))
    for name, limit in LIMITS.items():
        if len(_line(getattr(data, name)) or "") > limit:
            problems.append((name, _("At most %(num)s characters.", num=limit)))
    return problems + problems_of(check_phone, data.doctor_phone, "doctor_phone")


def care_of(child: Person) -> Optional[ChildCare]:
    """The child's row, or None when nothing was ever said (or the child is out of scope)."""
    return db.session.scalar(sa.select(ChildCare).where(ChildCare.person_id == child.id))


def save(child: Person, data: CareData) -> ChildCare:
    """Create or change the child's row. Refused for an adult and an archived record."""
    if child.kind != "child":
        raise RuleViolation(_("Health and permissions are kept for children only."))
    ensure_editable(child)
    refuse_all(care_problems(data))
    care = care_of(child)
    before = None
    if care is None:
        care = ChildCare(person_id=child.id)
        db.session.add(care)
    else:
        before = {"has_pai": care.has_pai, "photo_consent": care.photo_consent,
                  "may_leave_alone": care.may_leave_alone}
    care.allergies = _lines(data.allergies)
    care.diet = data.diet
    care.diet_detail = _line(data.diet_detail)
    care.has_pai = bool(data.has_pai)
    care.pai_detail = _line(data.pai_detail) if data.has_pai else None
    care.doctor_name = _line(data.doctor_name)
    care.doctor_phone = check_phone(data.doctor_phone, "doctor_phone")
    care.pickup_people = _lines(data.pickup_people)
    care.photo_consent = data.photo_consent
    care.may_leave_alone = bool(data.may_leave_alone)
    care.updated_at = utcnow()
    db.session.flush()
    # Who changed an authorisation and when: a family may ask (« who let him leave alone? »).
    # The health texts themselves stay out of the audit trail, which outlives the purge.
    audit.record("child_care", child, before=before, after={
        "has_pai": care.has_pai, "photo_consent": care.photo_consent,
        "may_leave_alone": care.may_leave_alone})
    return care


class SheetNote(NamedTuple):
    alert: bool  # an allergy or a PAI: shown as a warning
    text: str


def sheet_notes(person_ids) -> dict:
    """{child id: what the attendance sheet says next to their name} for the children of
    `person_ids` with an allergy, a PAI or a diet — « ⚠ Arachide · PAI », « sans porc »: one
    query for a whole sheet. Who serves the meal reads it without opening the record."""
    from app.formatting import DIET_LABELS

    if not person_ids:
        return {}
    notes = {}
    for care in db.session.scalars(sa.select(ChildCare).where(
            bulk.among(ChildCare.person_id, person_ids),
            sa.or_(ChildCare.has_pai.is_(True), ChildCare.diet != "none",
                   sa.func.coalesce(sa.func.trim(ChildCare.allergies), "") != ""))):
        allergies = " ".join((care.allergies or "").split())
        words = [allergies if len(allergies) <= 40 else allergies[:39] + "…"] if allergies \
            else []
        if care.has_pai:
            words.append("PAI")
        alert = bool(words)
        if care.diet != "none":
            words.append(care.diet_detail or str(DIET_LABELS[care.diet])
                         if care.diet == "other" else str(DIET_LABELS[care.diet]))
        notes[care.person_id] = SheetNote(alert, " · ".join(words))
    return notes
