"""What still uses a record, told in words a user knows when its deletion is refused."""
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db

# The tables whose rows keep a record alive (their foreign key neither cascades nor empties).
USED_BY = {
    "adjustment": _l("adjustments"),
    "attendance": _l("attendance records"),
    "billing_rule": _l("billing rules"),
    "booking": _l("bookings"),
    "enrollment": _l("enrollments"),
    "invoice": _l("invoices"),
    "invoice_folder": _l("sub-folders"),
    "invoice_line": _l("invoice lines"),
    "number_sequence": _l("invoice numbers"),
    "person_insurance": _l("people's insurance records"),
    "product": _l("products"),
    "school_class": _l("classes"),
    "service": _l("services"),
    "staff_scope_school": _l("staff scopes"),
    "staff_scope_service": _l("staff scopes"),
    "subscription": _l("subscriptions"),
}


def uses_of(model, pk) -> list:
    """Labels of what still refers to the row `pk` of `model`, one query per referring key;
    only called once a deletion has failed, so its cost is paid on refusals alone."""
    table = model.__table__
    labels = []
    for other in table.metadata.tables.values():
        for key in other.foreign_keys:
            if key.column.table is not table or key.ondelete in ("CASCADE", "SET NULL"):
                continue
            label = USED_BY.get(other.name, _l("other records"))
            if str(label) in labels:
                continue
            if db.session.scalar(sa.select(sa.literal(1)).select_from(other)
                                 .where(key.parent == pk).limit(1)) is not None:
                labels.append(str(label))
    return sorted(labels)


def still_used_message(model, pk) -> str:
    uses = uses_of(model, pk)
    if not uses:
        return _("This record is still used by other records: it cannot be deleted.")
    return _("This record is still used (%(uses)s): it cannot be deleted.", uses=", ".join(uses))
