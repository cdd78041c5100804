"""What a town offers and at what price: régies, products, services, tariffs, quotients,
and who may book what (subscriptions)."""
import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from app.models.base import Money, created_at_column, enum_column, money_column

REGIE_MODES = ("postpaid", "prepaid")
BILLING_BASES = ("booking", "attendance")

service_class = sa.Table(
    "service_class",
    Model.metadata,
    sa.Column("service_id", sa.Integer, sa.ForeignKey("service.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("school_class_id", sa.Integer,
              sa.ForeignKey("school_class.id", ondelete="CASCADE"), primary_key=True),
)


class Regie(Model):
    """Régie de recettes: collects the money of its services, has its own invoice series."""

    __tablename__ = "regie"
    id = sa.Column(sa.Integer, primary_key=True)
    code = sa.Column(sa.String(20), nullable=False, unique=True)
    name = sa.Column(sa.String(150), nullable=False)
    mode = enum_column(*REGIE_MODES, name="regie_mode", nullable=False, default="postpaid")
    creditor_id = sa.Column(sa.String(35))
    iban = sa.Column(sa.String(34))
    bic = sa.Column(sa.String(11))
    # Days families get to pay an invoice; empty: until the end of the next month.
    payment_term_days = sa.Column(sa.Integer)
    # How families pay (desk, cheques to the order of…, transfer): printed on the invoices of
    # payers without a direct-debit mandate.
    payment_instructions = sa.Column(sa.Text)
    # Prepaid régie: whether parents may book on the portal beyond their account's credit.
    portal_overdraft = sa.Column(sa.Boolean, nullable=False, default=False,
                                 server_default=sa.false())

    def __repr__(self):
        return f"{self.code} — {self.name}"


class Product(Model):
    """Produit: the accounting product a payment is booked to."""

    __tablename__ = "product"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(150), nullable=False)
    regie_id = sa.Column(sa.Integer, sa.ForeignKey("regie.id"), nullable=False, index=True)
    regie = relationship("Regie")

    def __repr__(self):
        return self.name


class Service(Model):
    """Prestation: a canteen meal, morning care, the Wednesday centre..."""

    __tablename__ = "service"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(150), nullable=False, unique=True)
    regie_id = sa.Column(sa.Integer, sa.ForeignKey("regie.id"), nullable=False, index=True)
    start_time = sa.Column(sa.Time, nullable=False)
    billing_basis = enum_column(*BILLING_BASES, name="billing_basis", nullable=False,
                                default="booking")
    tax_deductible = sa.Column(sa.Boolean, nullable=False, default=False)
    # Portal booking deadline: `deadline_days` working days before, at `deadline_time`.
    deadline_days = sa.Column(sa.Integer, nullable=False, default=2)
    deadline_time = sa.Column(sa.Time, nullable=False)
    deadline_skips_closed_days = sa.Column(sa.Boolean, nullable=False, default=True)
    # How far ahead parents may book on the portal, in weeks (this week counts as 0): the
    # town opens the weeks it has planned. None: as far as subscriptions allow.
    portal_weeks_ahead = sa.Column(sa.Integer)
    # Days of the week it runs (0 = Monday), e.g. "0,1,3,4" for a school canteen.
    weekdays = sa.Column(sa.String(13), nullable=False, default="0,1,2,3,4")
    color = sa.Column(sa.String(7))
    regie = relationship("Regie")
    classes = relationship("SchoolClass", secondary=service_class)

    @property
    def class_ids(self):
        return [c.id for c in self.classes]

    @property
    def weekday_set(self):
        return {int(d) for d in (self.weekdays or "").split(",") if d.strip() != ""}

    def __repr__(self):
        return self.name


class Tariff(Model):
    """Effective-dated price of a service: a flat price, or brackets of family quotient."""

    __tablename__ = "tariff"
    id = sa.Column(sa.Integer, primary_key=True)
    service_id = sa.Column(sa.Integer, sa.ForeignKey("service.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    start_date = sa.Column(sa.Date, nullable=False)
    end_date = sa.Column(sa.Date)
    unit_price = money_column()
    service = relationship("Service")
    brackets = relationship("TariffBracket", back_populates="tariff", cascade="all, delete-orphan",
                            order_by="TariffBracket.qf_min")

    @property
    def bracket_list(self):
        return [{"qf_min": str(b.qf_min), "qf_max": None if b.qf_max is None else str(b.qf_max),
                 "unit_price": str(b.unit_price)} for b in self.brackets]

    def __repr__(self):
        return f"{self.service} ({self.start_date:%d/%m/%Y})"


class TariffBracket(Model):
    __tablename__ = "tariff_bracket"
    id = sa.Column(sa.Integer, primary_key=True)
    tariff_id = sa.Column(sa.Integer, sa.ForeignKey("tariff.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    qf_min = sa.Column(Money(10, 2), nullable=False)
    qf_max = sa.Column(Money(10, 2))  # None: no upper bound (the highest bracket)
    unit_price = money_column(nullable=False)
    tariff = relationship("Tariff", back_populates="brackets")


class FamilyQuotient(Model):
    """Quotient familial of a household over a period (CAF certificate)."""

    __tablename__ = "family_quotient"
    id = sa.Column(sa.Integer, primary_key=True)
    household_id = sa.Column(sa.Integer, sa.ForeignKey("household.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    value = sa.Column(Money(10, 2), nullable=False)
    start_date = sa.Column(sa.Date, nullable=False)
    end_date = sa.Column(sa.Date)
    household = relationship("Household")


class Subscription(Model):
    """Inscription à une prestation: the right to book a service from a date."""

    __tablename__ = "subscription"
    __table_args__ = (sa.Index("ix_subscription_person_service", "person_id", "service_id"),)
    id = sa.Column(sa.Integer, primary_key=True)
    person_id = sa.Column(sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"),
                          nullable=False)
    service_id = sa.Column(sa.Integer, sa.ForeignKey("service.id"), nullable=False, index=True)
    start_date = sa.Column(sa.Date, nullable=False)
    end_date = sa.Column(sa.Date)
    created_at = created_at_column()
    person = relationship("Person")
    service = relationship("Service")

    def __repr__(self):
        return f"{self.person} — {self.service}"
