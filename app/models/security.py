"""Server-side state of staff sessions.

A session cookie is signed, not stored: without a server-side value to compare it with, a copied
cookie would stay valid after logout. Each user has a session version; the session remembers the
version it was opened with, and logout or a password change bumps it, which ends every session
(and every API token) opened before."""
import sqlalchemy as sa
from flask_appbuilder import Model


class UserSessionState(Model):
    __tablename__ = "user_session_state"
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"),
                        primary_key=True)
    version = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")


class SyncedRole(Model):
    """What `flask marelle sync-roles` last gave a role of the code (a fingerprint of its
    permissions). A role whose permissions no longer match was edited by the town: later
    syncs leave it as the town made it."""

    __tablename__ = "synced_role"
    name = sa.Column(sa.String(64), primary_key=True)
    fingerprint = sa.Column(sa.String(64), nullable=False)


def _scope_table(target: str) -> sa.Table:
    return sa.Table(
        f"staff_scope_{target}", Model.metadata,
        sa.Column("user_id", sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"),
                  primary_key=True),
        # A school or service in someone's scope cannot be deleted: were its rows to go with
        # it, a scope left empty would mean « no limit » (app/services/usage.py says why).
        sa.Column(f"{target}_id", sa.Integer, sa.ForeignKey(f"{target}.id"), primary_key=True),
    )


# A staff member's scope (« rattaché à ces établissements, puis à ces prestations »): nothing
# listed, no limit; see app/security/scopes.py.
staff_scope_school = _scope_table("school")
staff_scope_service = _scope_table("service")


# The FAQ's « type de messagerie auquel il aura accès »: the channels a staff member may use to
# write to families (app/services/staff.py CHANNELS). Nothing listed: those their role allows.
staff_messaging_channel = sa.Table(
    "staff_messaging_channel", Model.metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("channel", sa.String(20), primary_key=True),
)
