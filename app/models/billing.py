"""Billing: who pays for what (billing rules), invoices, their lines and adjustments,
credit notes, folders, and the counters that number invoices without gaps."""
import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import column_property, relationship

from app.models.base import created_at_column, enum_column, money_column
from app.models.bookings import Attendance, Booking
from app.models.sql import iso_date_text, iso_week

CRITERIA = ("all_weeks", "even_weeks", "odd_weeks", "week_list")
INVOICE_STATUSES = ("draft", "validated", "cancelled")
INVOICE_KINDS = ("invoice", "credit_note")
# Deposits are numbered per régie and year like invoices, from the same kind of counter.
SEQUENCE_KINDS = INVOICE_KINDS + ("deposit",)
ADJUSTMENT_KINDS = ("discount", "surcharge")

def week_set_of(weeks) -> set:
    """ISO week numbers of a week list kept as "36,38,40"."""
    return {int(w) for w in (weeks or "").split(",") if w.strip()}


def week_is_covered(criterion: str, week_set, iso_week: int) -> bool:
    if criterion == "even_weeks":
        return iso_week % 2 == 0
    if criterion == "odd_weeks":
        return iso_week % 2 == 1
    if criterion == "week_list":
        return iso_week in week_set
    return True


def rule_covers(rule, day):
    """`week_is_covered` and the rule's dates as one SQL condition on `day`, for the set-based
    billing query (`rule` is the billing_rule table or an alias of it)."""
    week = iso_week(day)
    week_token = sa.literal(",") + sa.cast(week, sa.String) + sa.literal(",")
    return sa.and_(
        rule.c.start_date <= day, sa.or_(rule.c.end_date.is_(None), rule.c.end_date >= day),
        sa.or_(rule.c.criterion == "all_weeks",
               sa.and_(rule.c.criterion == "even_weeks", week % 2 == 0),
               sa.and_(rule.c.criterion == "odd_weeks", week % 2 == 1),
               sa.and_(rule.c.criterion == "week_list",
                       (sa.literal(",") + rule.c.weeks + sa.literal(",")).contains(week_token))))


billing_rule_subscription = sa.Table(
    "billing_rule_subscription",
    Model.metadata,
    sa.Column("billing_rule_id", sa.Integer,
              sa.ForeignKey("billing_rule.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("subscription_id", sa.Integer,
              sa.ForeignKey("subscription.id", ondelete="CASCADE"), primary_key=True),
    # Billing looks rules up from the subscription side.
    sa.Index("ix_billing_rule_subscription_subscription", "subscription_id"),
)


class BillingRule(Model):
    """Règle de facturation: `payer` pays for the covered subscriptions between two dates, every
    week, even or odd ISO weeks, or listed ISO weeks; a co-payer (tiers solidaire) may be named."""

    __tablename__ = "billing_rule"
    id = sa.Column(sa.Integer, primary_key=True)
    payer_id = sa.Column(sa.Integer, sa.ForeignKey("person.id"), nullable=False, index=True)
    co_payer_id = sa.Column(sa.Integer, sa.ForeignKey("person.id"))
    start_date = sa.Column(sa.Date, nullable=False)
    end_date = sa.Column(sa.Date)
    criterion = enum_column(*CRITERIA, name="billing_criterion", nullable=False,
                            default="all_weeks")
    weeks = sa.Column(sa.String(200))  # "36,38,40" for week_list
    created_at = created_at_column()
    payer = relationship("Person", foreign_keys=[payer_id])
    co_payer = relationship("Person", foreign_keys=[co_payer_id])
    subscriptions = relationship("Subscription", secondary=billing_rule_subscription)

    @property
    def week_set(self):
        return week_set_of(self.weeks)

    @property
    def subscription_ids(self):
        return [s.id for s in self.subscriptions]

    def covers_week(self, iso_week: int) -> bool:
        return week_is_covered(self.criterion, self.week_set, iso_week)


class InvoiceFolder(Model):
    """Dossier de factures, in a tree."""

    __tablename__ = "invoice_folder"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(120), nullable=False)
    parent_id = sa.Column(sa.Integer, sa.ForeignKey("invoice_folder.id"))
    parent = relationship("InvoiceFolder", remote_side=[id])

    def __repr__(self):
        return f"{self.parent} / {self.name}" if self.parent else self.name


class Invoice(Model):
    """Facture (or avoir). A draft has no number; validation numbers it and freezes it."""

    __tablename__ = "invoice"
    __table_args__ = (
        sa.UniqueConstraint("regie_id", "kind", "number"),
        sa.Index("ix_invoice_regie_status", "regie_id", "status"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    kind = enum_column(*INVOICE_KINDS, name="invoice_kind", nullable=False, default="invoice")
    regie_id = sa.Column(sa.Integer, sa.ForeignKey("regie.id"), nullable=False)
    payer_id = sa.Column(sa.Integer, sa.ForeignKey("person.id"), nullable=False, index=True)
    co_payer_id = sa.Column(sa.Integer, sa.ForeignKey("person.id"))
    status = enum_column(*INVOICE_STATUSES, name="invoice_status", nullable=False,
                         default="draft", index=True)
    number = sa.Column(sa.String(30))
    period_start = sa.Column(sa.Date, nullable=False)
    period_end = sa.Column(sa.Date, nullable=False)
    issue_date = sa.Column(sa.Date)
    due_date = sa.Column(sa.Date)
    debit_date = sa.Column(sa.Date)
    display_at = sa.Column(sa.DateTime(timezone=True))
    folder_id = sa.Column(sa.Integer, sa.ForeignKey("invoice_folder.id"), index=True)
    comment = sa.Column(sa.Text)
    total = money_column(nullable=False, default=0)
    credits_invoice_id = sa.Column(sa.Integer, sa.ForeignKey("invoice.id"), index=True)
    reason = sa.Column(sa.String(250))
    # What the family received, frozen at validation: names and address as they were then.
    payer_name = sa.Column(sa.String(210))
    regie_name = sa.Column(sa.String(150))
    regie_code = sa.Column(sa.String(20))
    co_payer_name = sa.Column(sa.String(210))
    address = sa.Column(sa.Text)
    batch_id = sa.Column(sa.String(36), index=True)
    pdf_storage_name = sa.Column(sa.String(64))
    created_at = created_at_column()
    validated_at = sa.Column(sa.DateTime(timezone=True))
    regie = relationship("Regie")
    payer = relationship("Person", foreign_keys=[payer_id])
    co_payer = relationship("Person", foreign_keys=[co_payer_id])
    folder = relationship("InvoiceFolder")
    lines = relationship("InvoiceLine", back_populates="invoice", cascade="all, delete-orphan",
                         order_by="InvoiceLine.id")
    adjustments = relationship("Adjustment", back_populates="invoice",
                               cascade="all, delete-orphan", order_by="Adjustment.id")
    credited = relationship("Invoice", remote_side=[id])

    def __repr__(self):
        return self.number or f"*{self.id}"


class InvoiceLine(Model):
    __tablename__ = "invoice_line"
    __table_args__ = (sa.Index("ix_invoice_line_person_service", "person_id", "service_id"),)
    id = sa.Column(sa.Integer, primary_key=True)
    invoice_id = sa.Column(sa.Integer, sa.ForeignKey("invoice.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    person_id = sa.Column(sa.Integer, sa.ForeignKey("person.id"), nullable=False)
    service_id = sa.Column(sa.Integer, sa.ForeignKey("service.id"), nullable=False)
    person_name = sa.Column(sa.String(210), nullable=False)
    service_name = sa.Column(sa.String(150), nullable=False)
    quantity = sa.Column(sa.Integer, nullable=False)
    unit_price = money_column(nullable=False)
    amount = money_column(nullable=False)
    # The days this line bills: they are the record of what is invoiced (a booking is
    # invoiced when a line of its person and service lists its day), so billing writes lines
    # and nothing else, and deleting a draft gives its days back by itself.
    dates = sa.Column(sa.Text, nullable=False, default="")  # "2026-11-02,2026-11-03"
    first_date = sa.Column(sa.Date)
    last_date = sa.Column(sa.Date)
    # On a credit note: the invoice line whose days (those listed here) it cancels. Those
    # days are no longer invoiced, so they can be corrected and billed again.
    cancels_line_id = sa.Column(sa.Integer, sa.ForeignKey("invoice_line.id"), index=True)
    invoice = relationship("Invoice", back_populates="lines")

    @property
    def date_list(self):
        return [d for d in (self.dates or "").split(",") if d]


class Adjustment(Model):
    """Réduction or majoration on a draft: on the whole invoice or one child's service."""

    __tablename__ = "adjustment"
    id = sa.Column(sa.Integer, primary_key=True)
    invoice_id = sa.Column(sa.Integer, sa.ForeignKey("invoice.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    label = sa.Column(sa.String(150), nullable=False)
    kind = enum_column(*ADJUSTMENT_KINDS, name="adjustment_kind", nullable=False)
    amount = money_column(nullable=False)
    service_id = sa.Column(sa.Integer, sa.ForeignKey("service.id"))
    person_id = sa.Column(sa.Integer, sa.ForeignKey("person.id"))
    invoice = relationship("Invoice", back_populates="adjustments")
    service = relationship("Service")
    person = relationship("Person")

    @property
    def signed_amount(self):
        return -self.amount if self.kind == "discount" else self.amount


class NumberSequence(Model):
    """The last number given, per régie, year and kind: locked while a number is drawn."""

    __tablename__ = "number_sequence"
    __table_args__ = (sa.UniqueConstraint("regie_id", "year", "kind"),)
    id = sa.Column(sa.Integer, primary_key=True)
    regie_id = sa.Column(sa.Integer, sa.ForeignKey("regie.id"), nullable=False)
    year = sa.Column(sa.Integer, nullable=False)
    kind = enum_column(*SEQUENCE_KINDS, name="sequence_kind", nullable=False)
    last_number = sa.Column(sa.Integer, nullable=False, default=0)


def billed(person_id, service_id, day):
    """SQL condition: an invoice line already bills this person's service on this day, and no
    credit-note line has cancelled that day of it."""
    line = InvoiceLine.__table__.alias("billed_line")
    cancelling = InvoiceLine.__table__.alias("cancelling_line")
    day_text = iso_date_text(day)
    return sa.exists().where(
        line.c.person_id == person_id, line.c.service_id == service_id,
        line.c.first_date <= day, line.c.last_date >= day,
        line.c.dates.contains(day_text), line.c.cancels_line_id.is_(None),
        # The day's own table is two levels up: correlate it explicitly.
        ~sa.exists().where(cancelling.c.cancels_line_id == line.c.id,
                           cancelling.c.dates.contains(day_text)).correlate_except(cancelling))


def _invoiced(record) -> bool:
    """An invoice line bills this day: such a booking is never removed by a mass change nor
    cancelled."""
    return bool(record.billed)


# `billed` is loaded with the row (a booking grid reads it for every cell) and read-only: it is
# set by writing invoice lines. `invoiced` is the plain property the screens and the API show.
for _model in (Booking, Attendance):
    _model.billed = column_property(billed(_model.person_id, _model.service_id, _model.date))
    _model.invoiced = property(_invoiced)


class InvoiceReminder(Model):
    """Relance: a reminder letter sent for an overdue invoice (the letter, when saved into the
    payer's documents, is that document)."""

    __tablename__ = "invoice_reminder"
    id = sa.Column(sa.Integer, primary_key=True)
    invoice_id = sa.Column(sa.Integer, sa.ForeignKey("invoice.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    sent_on = sa.Column(sa.Date, nullable=False)
    amount_due = money_column(nullable=False)
    document_id = sa.Column(sa.Integer, sa.ForeignKey("document.id", ondelete="SET NULL"))
    created_at = created_at_column()
    invoice = relationship("Invoice")
