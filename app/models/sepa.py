"""SEPA direct debit: the mandates families sign so that a régie may debit their account."""
import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from app.models.base import created_at_column, enum_column

MANDATE_STATUSES = ("active", "revoked")


class Mandate(Model):
    """Mandat SEPA: an adult's authorisation, identified by its RUM within the creditor (the
    régie and its ICS)."""

    __tablename__ = "mandate"
    __table_args__ = (sa.UniqueConstraint("regie_id", "rum", name="uq_mandate_regie_rum"),)
    id = sa.Column(sa.Integer, primary_key=True)
    adult_id = sa.Column(sa.Integer, sa.ForeignKey("person.id"), nullable=False, index=True)
    adult = relationship("Person")
    regie_id = sa.Column(sa.Integer, sa.ForeignKey("regie.id"), nullable=False, index=True)
    regie = relationship("Regie")
    rum = sa.Column(sa.String(35), nullable=False)
    signed_on = sa.Column(sa.Date, nullable=False)
    iban = sa.Column(sa.String(34), nullable=False)
    bic = sa.Column(sa.String(11))
    status = enum_column(*MANDATE_STATUSES, name="mandate_status", nullable=False,
                         default="active", index=True)
    revoked_on = sa.Column(sa.Date)
    # The first collection sent makes the next ones recurrent (FRST, then RCUR).
    first_collected_on = sa.Column(sa.Date)
    # The account debited before an amendment, told to the bank with the next collection.
    amended_from_iban = sa.Column(sa.String(34))
    created_at = created_at_column()

    @property
    def sequence(self) -> str:
        return "RCUR" if self.first_collected_on else "FRST"

    @property
    def next_collection(self):
        """What the next debit would be; none for a revoked mandate."""
        return None if self.status == "revoked" else self.sequence

    def __repr__(self):
        return self.rum


@sa.event.listens_for(Mandate.iban, "set", active_history=True)
def _load_the_iban_replaced(target, value, previous, initiator):
    """active_history: the IBAN being replaced is read first even on an expired mandate, so
    that an amendment knows the account it replaces (sepa.committed_state)."""
