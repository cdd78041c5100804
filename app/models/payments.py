"""Payments, their allocations to invoices, the payer's account (a ledger per adult and
régie) and deposits (dépôts) handed to the bank."""
import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from app.models.base import created_at_column, enum_column, money_column

PAYMENT_METHODS = ("cash", "cheque", "card", "transfer", "direct_debit", "cesu", "ancv")
PAYMENT_STATUSES = ("ok", "rejected")
# credit: a payment's money kept on the account; allocation: account money put on an invoice;
# refund: money given back to the account (an over-allocated invoice later credited, and later
# cancelled prepaid bookings); debit: prepaid bookings (later); rejection: a rejected payment's
# credit taken back.
ENTRY_KINDS = ("credit", "allocation", "refund", "debit", "rejection")


class Deposit(Model):
    """Dépôt: payments of one régie and one method handed to the bank together, numbered per
    régie and year. Once sent (« remis à la banque ») it never changes."""

    __tablename__ = "deposit"
    __table_args__ = (sa.UniqueConstraint("regie_id", "number"),)
    id = sa.Column(sa.Integer, primary_key=True)
    regie_id = sa.Column(sa.Integer, sa.ForeignKey("regie.id"), nullable=False, index=True)
    number = sa.Column(sa.String(30), nullable=False)
    date = sa.Column(sa.Date, nullable=False, index=True)
    method = enum_column(*PAYMENT_METHODS, name="deposit_method", nullable=False)
    total = money_column(nullable=False, default=0)
    sent_at = sa.Column(sa.DateTime(timezone=True))
    # A direct-debit run's pain.008 file, kept as sent (private storage): made again later it
    # would read FRST/RCUR from mandates that have moved on since.
    sepa_file = sa.Column(sa.String(64))
    created_at = created_at_column()
    regie = relationship("Regie")
    payments = relationship("Payment", back_populates="deposit", order_by="Payment.id")

    def __repr__(self):
        return self.number


class Payment(Model):
    """Paiement of a payer to a régie: allocated to invoices, the rest kept on the account."""

    __tablename__ = "payment"
    __table_args__ = (
        sa.Index("ix_payment_regie_date", "regie_id", "date"),
        sa.CheckConstraint("amount > 0", name="positive_amount"),
    )
    id = sa.Column(sa.Integer, primary_key=True)
    payer_id = sa.Column(sa.Integer, sa.ForeignKey("person.id"), nullable=False, index=True)
    regie_id = sa.Column(sa.Integer, sa.ForeignKey("regie.id"), nullable=False)
    date = sa.Column(sa.Date, nullable=False, index=True)
    method = enum_column(*PAYMENT_METHODS, name="payment_method", nullable=False, index=True)
    cheque_number = sa.Column(sa.String(30))
    bank = sa.Column(sa.String(100))
    product_id = sa.Column(sa.Integer, sa.ForeignKey("product.id"), index=True)
    amount = money_column(nullable=False)
    status = enum_column(*PAYMENT_STATUSES, name="payment_status", nullable=False,
                         default="ok")
    reject_reason = sa.Column(sa.String(10))
    deposit_id = sa.Column(sa.Integer, sa.ForeignKey("deposit.id"), index=True)
    # A direct debit: the mandate it was collected under and the id the bank's rejects quote.
    mandate_id = sa.Column(sa.Integer, sa.ForeignKey("mandate.id"), index=True)
    end_to_end_id = sa.Column(sa.String(35), unique=True)
    created_at = created_at_column()
    payer = relationship("Person")
    mandate = relationship("Mandate")
    regie = relationship("Regie")
    product = relationship("Product")
    deposit = relationship("Deposit", back_populates="payments")
    allocations = relationship("PaymentAllocation", back_populates="payment",
                               cascade="all, delete-orphan", order_by="PaymentAllocation.id")

    @property
    def state(self) -> str:
        """Where the money is: rejected; to deposit, in a deposit, handed to the bank (desk
        payments); to collect, collected (direct debits, once their deposit went to the bank
        and their day has come)."""
        from app.services.calendar import today_in_town

        if self.status == "rejected":
            return "rejected"
        sent = self.deposit is not None and self.deposit.sent_at is not None
        if self.method == "direct_debit":
            return "collected" if sent and self.date <= today_in_town() else "to_collect"
        if self.deposit is None:
            return "to_deposit"
        return "handed_to_bank" if sent else "in_deposit"

    def __repr__(self):
        return f"{self.date:%d/%m/%Y} {self.amount}"


class PaymentAllocation(Model):
    """The part of a payment that settles an invoice."""

    __tablename__ = "payment_allocation"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="positive_amount"),)
    id = sa.Column(sa.Integer, primary_key=True)
    payment_id = sa.Column(sa.Integer, sa.ForeignKey("payment.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    invoice_id = sa.Column(sa.Integer, sa.ForeignKey("invoice.id"), nullable=False, index=True)
    amount = money_column(nullable=False)
    # Put there from the payer's account (« Imputer le crédit »), not when the payment came in.
    from_account = sa.Column(sa.Boolean, nullable=False, default=False)
    created_at = created_at_column()
    payment = relationship("Payment", back_populates="allocations")
    invoice = relationship("Invoice")


class AccountEntry(Model):
    """One movement of a payer's account at a régie. The balance is the sum of the entries,
    never a stored total. An entry born of a payment names it, so that the entries and
    allocations of a payment always add up to its amount."""

    __tablename__ = "account_entry"
    __table_args__ = (sa.Index("ix_account_entry_adult_regie", "adult_id", "regie_id"),
                      sa.Index("ix_account_entry_booked_day", "person_id", "service_id",
                               "service_date"))
    id = sa.Column(sa.Integer, primary_key=True)
    adult_id = sa.Column(sa.Integer, sa.ForeignKey("person.id"), nullable=False)
    regie_id = sa.Column(sa.Integer, sa.ForeignKey("regie.id"), nullable=False)
    date = sa.Column(sa.Date, nullable=False)
    label = sa.Column(sa.String(200), nullable=False)
    amount = money_column(nullable=False)
    kind = enum_column(*ENTRY_KINDS, name="account_entry_kind", nullable=False)
    payment_id = sa.Column(sa.Integer, sa.ForeignKey("payment.id", ondelete="CASCADE"),
                           index=True)
    invoice_id = sa.Column(sa.Integer, sa.ForeignKey("invoice.id"), index=True)
    # A prepaid booking's debit, and its refund, name the day booked (the booking itself may
    # be gone): who, which service, which day.
    person_id = sa.Column(sa.Integer, sa.ForeignKey("person.id"))
    service_id = sa.Column(sa.Integer, sa.ForeignKey("service.id"))
    service_date = sa.Column(sa.Date)
    # The booking a debit paid for, and its refund: a refund gives back that one debit, once,
    # whatever was debited and kept for the same day before (a late cancellation keeps it).
    booking_id = sa.Column(sa.Integer, index=True)
    created_at = created_at_column()
    regie = relationship("Regie")
    payment = relationship("Payment")
    invoice = relationship("Invoice")
