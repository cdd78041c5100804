"""SEPA mandates, on the adult's record and in the Billing menu."""
from flask import flash, redirect
from flask_appbuilder import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from wtforms import DateField, StringField

from app.extensions import db
from app.formatting import short_date
from app.models import Mandate, Person
from app.services import sepa
from app.services.calendar import today_in_town
from app.views.base import RuleCheckedModelView, choice_field
from app.views.filters import PersonSearchInterface, person_search_fields
from app.views.forms import NativeDateWidget, PickerField

MANDATE_STATUS_LABELS = {"active": _l("active"), "revoked": _l("revoked")}
SEQUENCE_LABELS = {"FRST": _l("first collection (FRST)"), "RCUR": _l("recurrent (RCUR)")}


def grouped_iban(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban or ""), 4))


class MandateView(RuleCheckedModelView):
    datamodel = PersonSearchInterface(Mandate)
    list_title = _l("SEPA mandates")
    show_title = _l("SEPA mandate")
    add_title = _l("Add a SEPA mandate")
    edit_title = _l("Edit a SEPA mandate")
    list_columns = ["adult", "regie", "rum", "iban", "signed_on", "status", "next_collection"]
    show_columns = ["adult", "regie", "rum", "signed_on", "iban", "bic", "status",
                    "next_collection",
                    "revoked_on", "first_collected_on", "amended_from_iban"]
    add_columns = ["adult", "regie", "rum", "signed_on", "iban", "bic"]
    edit_columns = ["rum", "signed_on", "iban", "bic", "status"]
    search_columns = ["adult", "regie", "rum", "status", "signed_on"]
    search_form_extra_fields = person_search_fields(adult=_l("Adult"))
    order_columns = ["rum", "signed_on", "status"]
    base_order = ("signed_on", "desc")
    label_columns = {
        "adult": _l("Adult"), "regie": _l("Régie"), "rum": _l("RUM (mandate reference)"),
        "signed_on": _l("Signed on"), "iban": _l("IBAN"), "bic": _l("BIC"),
        "status": _l("Status"), "next_collection": _l("Next collection"),
        "revoked_on": _l("Revoked on"), "first_collected_on": _l("First collection on"),
        "amended_from_iban": _l("IBAN before the amendment"),
    }
    description_columns = {
        "rum": _l("Unique within the régie: letters without accents, digits and / - ? : ( ) . , "
                  "' +, 35 at most. Left empty, one is made up: régie code, adult number, rank."),
        "iban": _l("Checked with its key (the RIB key for a French account)."),
    }
    formatters_columns = {
        "signed_on": short_date, "revoked_on": short_date, "first_collected_on": short_date,
        "iban": grouped_iban, "amended_from_iban": grouped_iban,
        "bic": lambda value: value or "",
        "status": lambda value: str(MANDATE_STATUS_LABELS.get(value, value)),
        "next_collection": lambda value: str(SEQUENCE_LABELS[value]) if value else "—",
    }
    add_form_extra_fields = {
        "adult": PickerField(_l("Adult"), Person, "AdultView.search_json"),
        # FAB's widgets, so that these fields look like the others of the form.
        "rum": StringField(_l("RUM (mandate reference)"), widget=BS3TextFieldWidget()),
        "signed_on": DateField(_l("Signed on"), default=lambda: today_in_town(),
                               widget=NativeDateWidget()),
    }
    edit_form_extra_fields = {
        "status": choice_field(_l("Status"), list(MANDATE_STATUS_LABELS.items())),
    }
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "revoke"]

    def pre_add(self, item):
        self._run_rule(sepa.save_mandate, item)

    def pre_update(self, item):
        self._run_rule(sepa.save_mandate, item, sepa.committed_state(item))

    def pre_delete(self, item):
        raise Exception(_("A mandate is revoked, not deleted: the bank keeps its history."))

    @action("revoke", _l("Revoke"), _l("Revoke the selected mandates? No more direct debits "
                                       "will be made with them."), "fa-ban")
    def revoke(self, items):
        items = items if isinstance(items, list) else [items]
        for mandate in items:
            if mandate.status == "revoked":
                flash(_("The mandate %(rum)s was already revoked.", rum=mandate.rum), "warning")
                continue
            sepa.revoke(mandate)
            flash(_("Mandate %(rum)s revoked.", rum=mandate.rum), "success")
        db.session.commit()
        return redirect(self.get_redirect())
