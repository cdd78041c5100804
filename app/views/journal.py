"""« Journal des opérations » (Admin only): the money journal, read-only, filtered by action
and entity, with « Vérifier » giving the verdict of `flask marelle audit verify`."""
import json

import sqlalchemy as sa
from flask import request
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import JournalEntry
from app.services import journal

PAGE_SIZE = 50
ACTION_LABELS = {
    "validate_invoices": _l("Invoices validated"),
    "credit_note": _l("Credit note"),
    "adjustment_add": _l("Adjustment added"),
    "adjustment_change": _l("Adjustment changed"),
    "adjustment_remove": _l("Adjustment removed"),
    "record_payment": _l("Payment recorded"),
    "delete_payment": _l("Payment deleted"),
    "allocate_credit": _l("Credit put on an invoice"),
    "create_deposit": _l("Deposit created"),
    "delete_deposit": _l("Deposit deleted"),
    "send_deposit": _l("Deposit handed to the bank"),
    "direct_debit_run": _l("Direct-debit run"),
    "reject_direct_debit": _l("Direct debit rejected"),
    "import_rejects": _l("Reject file imported"),
    "prepaid_debit": _l("Prepaid bookings debited"),
    "prepaid_refund": _l("Prepaid bookings refunded"),
    "mandate_create": _l("Mandate created"),
    "mandate_amend": _l("Mandate amended"),
    "mandate_revoke": _l("Mandate revoked"),
}
ENTITY_LABELS = {"Invoice": _l("Invoice"), "Payment": _l("Payment"), "Deposit": _l("Deposit"),
                 "Regie": _l("Régie"), "Person": _l("Person"), "Mandate": _l("SEPA mandate")}


def _shown(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True,
                                               indent=1)


class MoneyJournalView(BaseView):
    route_base = "/money_journal"
    default_view = "list"
    base_permissions = ["can_list", "can_verify"]

    @expose("/list/")
    @has_access
    def list(self, verdict=None):
        action = request.values.get("action") or None
        entity = request.values.get("entity") or None
        page = max(0, request.values.get("page", 0, type=int) or 0)
        query = sa.select(JournalEntry)
        if action:
            query = query.where(JournalEntry.action == action[:60])
        if entity:
            query = query.where(JournalEntry.entity == entity[:60])
        count = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        rows = db.session.scalars(query.order_by(JournalEntry.seq.desc())
                                  .limit(PAGE_SIZE).offset(page * PAGE_SIZE)).all()
        actions = {**ACTION_LABELS, **{a: a for a in db.session.scalars(
            sa.select(JournalEntry.action).distinct()) if a not in ACTION_LABELS}}
        entities = {**ENTITY_LABELS, **{e: e for e in db.session.scalars(
            sa.select(JournalEntry.entity).distinct()) if e not in ENTITY_LABELS}}
        return self.render_template(
            "journal/list.html", title=_("Operations journal"), rows=rows, count=count,
            page=page, pages=max(1, -(-count // PAGE_SIZE)), action=action, entity=entity,
            actions=actions, entities=entities, verdict=verdict, shown=_shown)

    @expose("/verify/", methods=["POST"])
    @has_access
    def verify(self):
        return self.list(verdict=journal.verify())
