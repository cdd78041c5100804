"""Schools, classes, levels, school years and each person's enrollments (cursus)."""
import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from app.models.base import created_at_column


class SchoolYear(Model):
    __tablename__ = "school_year"
    id = sa.Column(sa.Integer, primary_key=True)
    label = sa.Column(sa.String(20), nullable=False, unique=True)
    start_date = sa.Column(sa.Date, nullable=False)
    end_date = sa.Column(sa.Date, nullable=False)

    def __repr__(self):
        return self.label


class School(Model):
    """Établissement, or a group such as “Adultes” whose members may book meals."""

    __tablename__ = "school"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(150), nullable=False, unique=True)
    address_line = sa.Column(sa.String(250))
    classes = relationship("SchoolClass", back_populates="school", order_by="SchoolClass.name")

    def __repr__(self):
        return self.name


class Level(Model):
    """Niveau (PS, MS, GS, CP ... CM2). `rank` orders them; the next level has rank + 1."""

    __tablename__ = "level"
    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(20), nullable=False, unique=True)
    label = sa.Column(sa.String(80), nullable=False)
    rank = sa.Column(sa.Integer, nullable=False, unique=True)

    def __repr__(self):
        return self.code


class SchoolClass(Model):
    """A class (or group) of a school. Classes outlive school years; enrollments are dated."""

    __tablename__ = "school_class"
    __table_args__ = (sa.UniqueConstraint("school_id", "name"),)
    id = sa.Column(sa.Integer, primary_key=True)
    school_id = sa.Column(sa.Integer, sa.ForeignKey("school.id"), nullable=False, index=True)
    name = sa.Column(sa.String(80), nullable=False)
    level_id = sa.Column(sa.Integer, sa.ForeignKey("level.id"))
    school = relationship("School", back_populates="classes")
    level = relationship("Level")

    def __repr__(self):
        return f"{self.school.name} — {self.name}" if self.school else self.name


class Enrollment(Model):
    """Cursus: a person in a class, at a level, from a date (to a date)."""

    __tablename__ = "enrollment"
    __table_args__ = (sa.Index("ix_enrollment_class_dates", "school_class_id", "start_date"),)
    id = sa.Column(sa.Integer, primary_key=True)
    person_id = sa.Column(sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    school_class_id = sa.Column(sa.Integer, sa.ForeignKey("school_class.id"), nullable=False)
    level_id = sa.Column(sa.Integer, sa.ForeignKey("level.id"))
    school_year_id = sa.Column(sa.Integer, sa.ForeignKey("school_year.id"))
    start_date = sa.Column(sa.Date, nullable=False)
    end_date = sa.Column(sa.Date)
    created_at = created_at_column()
    person = relationship("Person")
    school_class = relationship("SchoolClass")
    level = relationship("Level")
    school_year = relationship("SchoolYear")

    def __repr__(self):
        return f"{self.person} — {self.school_class}"
