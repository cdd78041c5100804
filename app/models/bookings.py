"""Periods (closures), bookings and attendance."""
import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from app.models.base import created_at_column, enum_column

ATTENDANCE_STATUSES = ("present", "excused_absence", "unexcused_absence")

period_service = sa.Table(
    "period_service",
    Model.metadata,
    sa.Column("period_id", sa.Integer, sa.ForeignKey("period.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("service_id", sa.Integer, sa.ForeignKey("service.id", ondelete="CASCADE"),
              primary_key=True),
)
period_class = sa.Table(
    "period_class",
    Model.metadata,
    sa.Column("period_id", sa.Integer, sa.ForeignKey("period.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("school_class_id", sa.Integer,
              sa.ForeignKey("school_class.id", ondelete="CASCADE"), primary_key=True),
)


class Period(Model):
    """A closure: nothing of its services can be booked between its dates, for its classes
    (all classes when none is chosen). Without services it closes nothing yet."""

    __tablename__ = "period"
    id = sa.Column(sa.Integer, primary_key=True)
    label = sa.Column(sa.String(150), nullable=False)
    start_date = sa.Column(sa.Date, nullable=False, index=True)
    end_date = sa.Column(sa.Date, nullable=False, index=True)
    color = sa.Column(sa.String(7), nullable=False, default="#9e9e9e")
    source = sa.Column(sa.String(40))  # "vacances-scolaires zone B", "jours fériés", or None
    services = relationship("Service", secondary=period_service)
    classes = relationship("SchoolClass", secondary=period_class)

    @property
    def service_ids(self):
        return [s.id for s in self.services]

    @property
    def class_ids(self):
        return [c.id for c in self.classes]

    def __repr__(self):
        return self.label


class Booking(Model):
    """Réservation: one person, one service, one day. `billed`/`invoiced`: app.models.billing."""

    __tablename__ = "booking"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "service_id", "date"),
        sa.Index("ix_booking_service_date", "service_id", "date"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    person_id = sa.Column(sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"),
                          nullable=False)
    service_id = sa.Column(sa.Integer, sa.ForeignKey("service.id"), nullable=False)
    date = sa.Column(sa.Date, nullable=False)
    created_at = created_at_column()
    person = relationship("Person")
    service = relationship("Service")


class Attendance(Model):
    """Présence: what happened on the day. `billed`/`invoiced`: app.models.billing."""

    __tablename__ = "attendance"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "service_id", "date"),
        sa.Index("ix_attendance_service_date", "service_id", "date"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    person_id = sa.Column(sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"),
                          nullable=False)
    service_id = sa.Column(sa.Integer, sa.ForeignKey("service.id"), nullable=False)
    date = sa.Column(sa.Date, nullable=False)
    status = enum_column(*ATTENDANCE_STATUSES, name="attendance_status", nullable=False)
    recorded_at = created_at_column()
    recorded_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"))
    person = relationship("Person")
    service = relationship("Service")

