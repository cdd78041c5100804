"""Settings of the register: criteria (custom fields) and insurances."""
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import InputRequired

from app.formatting import KIND_LABELS, yes_no
from app.models import Criterion, CriterionValue, Insurance
from app.views.base import boolean_field


class CriterionValueView(ModelView):
    datamodel = SQLAInterface(CriterionValue)
    list_title = _l("Allowed values")
    add_title = _l("Add an allowed value")
    edit_title = _l("Edit an allowed value")
    list_columns = ["criterion", "label"]
    add_columns = edit_columns = ["criterion", "label"]
    label_columns = {"criterion": _l("Criterion"), "label": _l("Value")}


class CriterionView(ModelView):
    datamodel = SQLAInterface(Criterion)
    list_title = _l("Criteria")
    show_title = _l("Criterion")
    add_title = _l("Add a criterion")
    edit_title = _l("Edit a criterion")
    add_form_extra_fields = edit_form_extra_fields = {
        "applies_to": SelectField(_l("Applies to"), [InputRequired()], choices=[
            ("child", _l("children")), ("adult", _l("adults"))]),
    }
    list_columns = ["label", "applies_to", "values"]
    add_columns = edit_columns = ["label", "applies_to"]
    show_columns = ["label", "applies_to", "values"]
    label_columns = {"label": _l("Label"), "applies_to": _l("Applies to"),
                     "values": _l("Allowed values")}
    formatters_columns = {"applies_to": lambda kind: str(KIND_LABELS.get(kind, kind)),
                          "values": lambda values: ", ".join(v.label for v in values)}
    related_views = [CriterionValueView]


class InsuranceView(ModelView):
    datamodel = SQLAInterface(Insurance)
    list_title = _l("Insurances")
    show_title = _l("Insurance")
    add_title = _l("Add an insurance")
    edit_title = _l("Edit an insurance")
    list_columns = ["label", "visible"]
    formatters_columns = {"visible": yes_no}
    add_columns = edit_columns = show_columns = ["label", "visible"]
    label_columns = {"label": _l("Label"), "visible": _l("Visible on records")}
    add_form_extra_fields = edit_form_extra_fields = {
        "visible": boolean_field(_l("Visible on records"))}
