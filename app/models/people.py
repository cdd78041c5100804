"""The family register: households, people (children and adults), their links and records."""
import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from app.models.base import created_at_column, enum_column

PERSON_KINDS = ("child", "adult")
RELATIONS = ("father", "mother", "guardian", "other")
DIETS = ("none", "no_pork", "vegetarian", "no_meat", "other")
# « Droit à l'image »: the family said yes, said no, or was never asked (no is not assumed).
PHOTO_CONSENTS = ("not_asked", "yes", "no")


class Household(Model):
    """Foyer: the people living at one postal address."""

    __tablename__ = "household"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(150), nullable=False, index=True)
    address_line = sa.Column(sa.String(250))
    postal_code = sa.Column(sa.String(10))
    city = sa.Column(sa.String(120))
    created_at = created_at_column()

    memberships = relationship(
        "HouseholdMember", back_populates="household", cascade="all, delete-orphan"
    )

    @property
    def archived(self) -> bool:
        """A household is archived once none of its members is active."""
        return bool(self.memberships) and all(m.person.archived for m in self.memberships)

    @property
    def bare_name(self) -> str:
        """The name without a leading « Foyer », which headings and sentences add themselves
        (towns name households « Foyer MARTIN » or just « MARTIN »)."""
        words = self.name.split(maxsplit=1)
        return words[1] if len(words) == 2 and words[0].lower() == "foyer" else self.name

    @property
    def active_members(self):
        return [m.person for m in self.memberships if not m.person.archived]

    def __repr__(self):
        return self.name


class Person(Model):
    """Personne: a child or an adult. Enfants and Responsables are two views of this table."""

    __tablename__ = "person"
    __table_args__ = (
        sa.Index("ix_person_identity", "kind", "search_name", "birth_date"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    kind = enum_column(*PERSON_KINDS, name="person_kind", nullable=False, index=True)
    last_name = sa.Column(sa.String(100), nullable=False)
    first_name = sa.Column(sa.String(100), nullable=False)
    # Upper-case, accent-free "LAST FIRST": what searches and the duplicate check compare.
    search_name = sa.Column(sa.String(210), nullable=False, index=True)
    birth_date = sa.Column(sa.Date)
    email = sa.Column(sa.String(254), index=True)
    phone = sa.Column(sa.String(30))
    mobile_phone = sa.Column(sa.String(30))
    profession = sa.Column(sa.String(120))
    can_login = sa.Column(sa.Boolean, nullable=False, default=False)
    notes = sa.Column(sa.Text)
    archived_at = sa.Column(sa.DateTime(timezone=True), index=True)
    created_at = created_at_column()

    memberships = relationship(
        "HouseholdMember", back_populates="person", cascade="all, delete-orphan"
    )
    guardians = relationship(
        "Guardianship",
        foreign_keys="Guardianship.child_id",
        back_populates="child",
        cascade="all, delete-orphan",
    )
    wards = relationship(
        "Guardianship",
        foreign_keys="Guardianship.adult_id",
        back_populates="adult",
        cascade="all, delete-orphan",
    )
    criteria = relationship("PersonCriterion", back_populates="person", cascade="all, delete-orphan")
    insurances = relationship(
        "PersonInsurance", back_populates="person", cascade="all, delete-orphan"
    )
    documents = relationship("Document", back_populates="person", cascade="all, delete-orphan")
    care = relationship("ChildCare", back_populates="person", uselist=False,
                        cascade="all, delete-orphan")

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def full_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"

    @property
    def display_name(self) -> str:
        """First name then last name, as a heading or a sentence names someone."""
        return f"{self.first_name} {self.last_name.upper()}"

    @property
    def households(self):
        return [m.household for m in self.memberships]

    def __repr__(self):
        return self.full_name


class ChildCare(Model):
    """Santé et autorisations: what those who look after a child must know (allergies, diet,
    PAI, doctor), who may fetch them and what the family authorised. One row per child, kept
    apart from `person` because it is health data: read by fewer roles, erased by the purge."""

    __tablename__ = "child_care"
    id = sa.Column(sa.Integer, primary_key=True)
    person_id = sa.Column(sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"),
                          nullable=False, unique=True)
    allergies = sa.Column(sa.Text)
    diet = enum_column(*DIETS, name="child_care_diet", nullable=False, default="none")
    diet_detail = sa.Column(sa.String(200))
    # Projet d'accueil individualisé: the plan the school doctor signs (medicine, protocol).
    has_pai = sa.Column(sa.Boolean, nullable=False, default=False)
    pai_detail = sa.Column(sa.String(250))
    doctor_name = sa.Column(sa.String(150))
    doctor_phone = sa.Column(sa.String(30))
    # Free lines « name, relation, phone »: families give them on paper, as they come.
    pickup_people = sa.Column(sa.Text)
    photo_consent = enum_column(*PHOTO_CONSENTS, name="child_care_photo_consent",
                                nullable=False, default="not_asked")
    may_leave_alone = sa.Column(sa.Boolean, nullable=False, default=False)
    updated_at = created_at_column()
    person = relationship("Person", back_populates="care")

    @property
    def needs_attention(self) -> bool:
        """An allergy or a PAI: what the attendance sheet flags next to the name."""
        return bool((self.allergies or "").strip()) or bool(self.has_pai)

    def __repr__(self):
        return f"{self.person}" if self.person else f"child_care #{self.id}"


class HouseholdMember(Model):
    __tablename__ = "household_member"
    __table_args__ = (sa.UniqueConstraint("household_id", "person_id"),)
    id = sa.Column(sa.Integer, primary_key=True)
    household_id = sa.Column(
        sa.Integer, sa.ForeignKey("household.id", ondelete="CASCADE"), nullable=False, index=True
    )
    person_id = sa.Column(
        sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
    )
    household = relationship("Household", back_populates="memberships")
    person = relationship("Person", back_populates="memberships")

    def __repr__(self):
        return f"{self.person} — {self.household}"


class Guardianship(Model):
    """Lien de filiation ou de tutelle between a child and an adult."""

    __tablename__ = "guardianship"
    __table_args__ = (sa.UniqueConstraint("child_id", "adult_id"),)
    id = sa.Column(sa.Integer, primary_key=True)
    child_id = sa.Column(
        sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
    )
    adult_id = sa.Column(
        sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
    )
    relation = enum_column(*RELATIONS, name="guardianship_relation", nullable=False)
    child = relationship("Person", foreign_keys=[child_id], back_populates="guardians")
    adult = relationship("Person", foreign_keys=[adult_id], back_populates="wards")

    def __repr__(self):
        return f"{self.adult} → {self.child}"


class Criterion(Model):
    """Critère: a custom field of children or adults, with its allowed values."""

    __tablename__ = "criterion"
    id = sa.Column(sa.Integer, primary_key=True)
    label = sa.Column(sa.String(120), nullable=False, unique=True)
    applies_to = enum_column(*PERSON_KINDS, name="criterion_applies_to", nullable=False)
    values = relationship(
        "CriterionValue",
        back_populates="criterion",
        cascade="all, delete-orphan",
        order_by="CriterionValue.label",
    )

    def __repr__(self):
        return self.label


class CriterionValue(Model):
    __tablename__ = "criterion_value"
    __table_args__ = (sa.UniqueConstraint("criterion_id", "label"),)
    id = sa.Column(sa.Integer, primary_key=True)
    criterion_id = sa.Column(
        sa.Integer, sa.ForeignKey("criterion.id", ondelete="CASCADE"), nullable=False, index=True
    )
    label = sa.Column(sa.String(120), nullable=False)
    criterion = relationship("Criterion", back_populates="values")

    def __repr__(self):
        return f"{self.criterion.label} : {self.label}" if self.criterion else self.label


class PersonCriterion(Model):
    """The value a person has for one criterion (one value per criterion)."""

    __tablename__ = "person_criterion"
    __table_args__ = (sa.UniqueConstraint("person_id", "criterion_id"),)
    id = sa.Column(sa.Integer, primary_key=True)
    person_id = sa.Column(
        sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
    )
    criterion_id = sa.Column(
        sa.Integer, sa.ForeignKey("criterion.id", ondelete="CASCADE"), nullable=False
    )
    value_id = sa.Column(
        sa.Integer, sa.ForeignKey("criterion_value.id", ondelete="CASCADE"), nullable=False
    )
    person = relationship("Person", back_populates="criteria")
    criterion = relationship("Criterion")
    value = relationship("CriterionValue")


class Insurance(Model):
    """Assurance: an insurer that staff can pick on an adult's record when `visible`."""

    __tablename__ = "insurance"
    id = sa.Column(sa.Integer, primary_key=True)
    label = sa.Column(sa.String(120), nullable=False, unique=True)
    visible = sa.Column(sa.Boolean, nullable=False, default=True)

    def __repr__(self):
        return self.label


class PersonInsurance(Model):
    __tablename__ = "person_insurance"
    id = sa.Column(sa.Integer, primary_key=True)
    person_id = sa.Column(
        sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
    )
    insurance_id = sa.Column(sa.Integer, sa.ForeignKey("insurance.id"), nullable=False)
    policy_number = sa.Column(sa.String(60))
    valid_until = sa.Column(sa.Date)
    person = relationship("Person", back_populates="insurances")
    insurance = relationship("Insurance")


class Document(Model):
    """A file attached to a person, stored outside the web root under a random name."""

    __tablename__ = "document"
    id = sa.Column(sa.Integer, primary_key=True)
    person_id = sa.Column(
        sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name = sa.Column(sa.String(150), nullable=False)
    description = sa.Column(sa.Text)
    original_filename = sa.Column(sa.String(255), nullable=False)
    content_type = sa.Column(sa.String(100), nullable=False)
    size = sa.Column(sa.Integer, nullable=False)
    storage_name = sa.Column(sa.String(64), nullable=False, unique=True)
    portal_from = sa.Column(sa.Date)
    portal_until = sa.Column(sa.Date)
    uploaded_at = created_at_column()
    uploaded_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"))
    person = relationship("Person", back_populates="documents")

    def __repr__(self):
        return self.name
