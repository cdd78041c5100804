"""Forms of the register screens. They only collect input: the rules live in app/services."""
from flask import url_for
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_wtf import FlaskForm
from markupsafe import Markup
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)
from wtforms.widgets import DateInput

from app.extensions import db
from app.formatting import DIET_LABELS, PHOTO_CONSENT_LABELS
from app.services.child_care import CareData
from app.services.money import AmountError, parse_amount
from app.services.registry import HouseholdData, PersonData

RELATION_CHOICES = [
    ("father", _l("father")),
    ("mother", _l("mother")),
    ("guardian", _l("guardian")),
    ("other", _l("other")),
]


def _opt_int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class HouseholdWizardForm(FlaskForm):
    # Step 1: the responsable, new or found by name.
    adult_mode = RadioField(_l("Adult"), choices=[("new", _l("New adult")),
                                                        ("existing", _l("Existing adult"))],
                            default="new")
    adult_id = HiddenField()
    adult_search = StringField(_l("Find the adult by name"))
    adult_last_name = StringField(_l("Last name"), [Length(max=100)])
    adult_first_name = StringField(_l("First name"), [Length(max=100)])
    adult_birth_date = DateField(_l("Birth date"), [Optional()])
    # Step 2: contact details.
    email = StringField(_l("E-mail"), [Optional(), Email(message=_l("Invalid e-mail address.")),
                                       Length(max=254)])
    phone = StringField(_l("Phone"), [Length(max=30)])
    mobile_phone = StringField(_l("Mobile phone"), [Length(max=30)])
    profession = StringField(_l("Profession"), [Length(max=120)])
    # Step 3: a child, new, found, or none for an adult-only household.
    child_mode = RadioField(_l("Add a child"), choices=[("new", _l("New child")),
                                                        ("existing", _l("Existing child")),
                                                        ("none", _l("No"))], default="new")
    child_id = HiddenField()
    child_search = StringField(_l("Find the child by name"))
    child_last_name = StringField(_l("Last name"), [Length(max=100)])
    child_first_name = StringField(_l("First name"), [Length(max=100)])
    child_birth_date = DateField(_l("Birth date"), [Optional()])
    relation = SelectField(_l("Relation"), choices=RELATION_CHOICES, default="mother")
    # Step 4: the household, created now or an existing one the adult joins.
    household_mode = RadioField(_l("Household"), choices=[("new", _l("a new household")),
                                                          ("existing", _l("an existing household"))],
                                default="new")
    household_id = HiddenField()
    household_search = StringField(_l("Find the household by name"))
    household_name = StringField(_l("Household name"), [Length(max=150)])
    address_line = StringField(_l("Address"), [Length(max=250)])
    postal_code = StringField(_l("Postal code"), [Length(max=10)])
    city = StringField(_l("City"), [Length(max=120)])

    FIELD_OF = {"last_name": "adult_last_name", "first_name": "adult_first_name",
                "birth_date": "adult_birth_date", "name": "household_name",
                "household_id": "household_search"}

    def validate_household_name(self, field):
        # Checked here too so that it shows alongside the form's other errors in one pass.
        if self.household_mode.data != "existing" and not (field.data or "").strip():
            raise ValidationError(_l("The household name is required."))

    def add_rule_error(self, exc):
        """Show a service refusal next to the field it concerns, or at the top of the form."""
        field = getattr(self, self.FIELD_OF.get(exc.field or "", exc.field or ""), None)
        if field is None or not hasattr(field, "errors") or isinstance(field, HiddenField):
            self.form_errors.append(exc.message)
        else:
            field.errors = list(field.errors) + [exc.message]


def wizard_to_service_args(form: HouseholdWizardForm) -> dict:
    contact = dict(email=form.email.data, phone=form.phone.data,
                   mobile_phone=form.mobile_phone.data, profession=form.profession.data)
    if form.household_mode.data == "existing":
        args = dict(household_id=_opt_int(form.household_id.data) or -1)
    else:
        args = dict(household=HouseholdData(name=form.household_name.data,
                                            address_line=form.address_line.data,
                                            postal_code=form.postal_code.data,
                                            city=form.city.data))
    if form.adult_mode.data == "existing":
        args["adult_id"] = _opt_int(form.adult_id.data) or -1
        args["adult"] = PersonData(**contact)
    else:
        args["adult"] = PersonData(last_name=form.adult_last_name.data,
                                   first_name=form.adult_first_name.data,
                                   birth_date=form.adult_birth_date.data, **contact)
    if form.child_mode.data == "existing":
        args["child_id"] = _opt_int(form.child_id.data) or -1
        args["relation"] = form.relation.data
    elif form.child_mode.data == "new":
        args["child"] = PersonData(last_name=form.child_last_name.data,
                                   first_name=form.child_first_name.data,
                                   birth_date=form.child_birth_date.data)
        args["relation"] = form.relation.data
    return args


class ChildForm(FlaskForm):
    """“Ajouter un enfant”: who the child is, then the responsable found by name and the link."""

    last_name = StringField(_l("Last name"), [Length(max=100)])
    first_name = StringField(_l("First name"), [Length(max=100)])
    birth_date = DateField(_l("Birth date"), [Optional()])
    guardian_id = HiddenField()
    guardian_search = StringField(_l("Find the adult by name"))
    relation = SelectField(_l("Relation"), choices=RELATION_CHOICES, default="mother")

    def person_data(self) -> PersonData:
        return PersonData(last_name=self.last_name.data, first_name=self.first_name.data,
                          birth_date=self.birth_date.data)

    def add_rule_error(self, exc):
        field = getattr(self, exc.field or "", None)
        if exc.field in ("adult_id", "guardian_id"):
            field = self.guardian_search
        if field is None or isinstance(field, HiddenField):
            self.form_errors.append(exc.message)
        else:
            field.errors = list(field.errors) + [exc.message]


class MoveAdultForm(FlaskForm):
    target = RadioField(_l("Move to"), choices=[("existing", _l("an existing household")),
                                                ("new", _l("a new household"))],
                        default="existing")
    household_id = HiddenField()
    household_search = StringField(_l("Find the household by name"))
    name = StringField(_l("New household name"), [Length(max=150)])
    address_line = StringField(_l("Address"), [Length(max=250)])
    postal_code = StringField(_l("Postal code"), [Length(max=10)])
    city = StringField(_l("City"), [Length(max=120)])

    def household_data(self) -> HouseholdData:
        return HouseholdData(name=self.name.data, address_line=self.address_line.data,
                             postal_code=self.postal_code.data, city=self.city.data)


class DocumentForm(FlaskForm):
    file = FileField(_l("File (PDF, JPEG or PNG)"))
    name = StringField(_l("Name"), [InputRequired(message=_l("The document name is required.")),
                                    Length(max=150)])
    description = TextAreaField(_l("Description"))
    portal_from = DateField(_l("On the portal from"), [Optional()])
    portal_until = DateField(_l("On the portal until"), [Optional()])


class ChildCareForm(FlaskForm):
    """« Santé et autorisations » of a child. The rules (a diet « other » needs its detail, a
    PAI detail needs the PAI ticked, the doctor's phone) live in app.services.child_care."""

    allergies = TextAreaField(_l("Allergies"), description=_l(
        "Food or other allergies, and what to do. Empty: none known."))
    diet = SelectField(_l("Diet"), choices=[])
    diet_detail = StringField(_l("Diet detail"), [Length(max=200)])
    has_pai = BooleanField(_l("PAI (projet d'accueil individualisé)"))
    pai_detail = StringField(_l("PAI detail"), [Length(max=250)], description=_l(
        "Where the medicine and the protocol are kept, for instance."))
    doctor_name = StringField(_l("Doctor"), [Length(max=150)])
    doctor_phone = StringField(_l("Doctor's phone"), [Length(max=30)])
    pickup_people = TextAreaField(_l("People allowed to fetch the child"), description=_l(
        "One person a line: name, relation, phone."))
    photo_consent = RadioField(_l("Photos (droit à l'image)"), choices=[])
    may_leave_alone = BooleanField(_l("May leave alone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.diet.choices = list(DIET_LABELS.items())
        self.photo_consent.choices = list(PHOTO_CONSENT_LABELS.items())

    def care_data(self):
        return CareData(**{name: self[name].data for name in CareData.__dataclass_fields__})

    def fill(self, care) -> None:
        """The form opened on the child's current row (nothing said yet: the defaults)."""
        for name in CareData.__dataclass_fields__:
            self[name].data = getattr(care, name) if care is not None \
                else getattr(CareData(), name)


class PickerWidget:
    """A text box that searches as you type (static/marelle/picker.js) and the hidden input
    that carries the chosen row's id."""

    def __init__(self, endpoint, empty):
        self.endpoint, self.empty = endpoint, empty

    def __call__(self, field, **kwargs):
        return Markup(
            '<div class="marelle-picker"><input type="hidden" id="{id}" name="{name}" '
            'value="{value}"><input type="text" class="form-control" autocomplete="off" '
            'id="{id}_search" value="{label}" data-picker-url="{url}" data-picker-target="{id}" '
            'data-picker-empty="{empty}"></div>').format(
            id=field.id, name=field.name, value=field._value(),
            label=str(field.data) if field.data is not None else "",
            url=url_for(self.endpoint), empty=str(self.empty))


class PickerField(Field):
    """A relation chosen by searching (a town has tens of thousands of people: never a full
    <select>). Its data is the chosen row, or None."""

    def __init__(self, label, model, endpoint, empty=_l("Nobody found"), validators=None,
                 **kwargs):
        # DataRequired, not InputRequired: FAB fills a relation fixed by the page's filter
        # with no input posted.
        super().__init__(label, validators or [DataRequired(_l("Search and choose in the "
                                                               "list."))],
                         widget=PickerWidget(endpoint, empty), **kwargs)
        self.model = model
        self._unknown = False

    def _value(self):
        return str(self.data.id) if self.data is not None else ""

    def process_formdata(self, valuelist):
        raw = (valuelist or [""])[0].strip()
        self.data = db.session.get(self.model, int(raw)) if raw.isdecimal() else None
        self._unknown = bool(raw) and self.data is None

    def pre_validate(self, form):
        if self._unknown:
            raise ValidationError(_l("Search and choose in the list."))


class MoneyField(DecimalField):
    """An amount typed the way people type it in France: "4,50", "1 250,00 €" (and "4.50").
    More than two decimals is refused with the reason, never rounded."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("places", 2)
        # A text box, never <input type=number>: browsers drop or refuse the decimal comma
        # there ("1,50" became 150). inputmode still brings up the numeric keypad on phones.
        kwargs.setdefault("widget", BS3TextFieldWidget())
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        raw = (valuelist or [""])[0]
        if raw is None or not str(raw).strip():
            self.data = None
            return
        try:
            self.data = parse_amount(raw)
        except AmountError as exc:
            self.data = None
            raise ValueError(str(exc)) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(self.data, "#,##0.00")


class NativeDateWidget:
    """<input type="date">: the browser shows the date the French way, offers its calendar,
    and never sends an impossible day. FAB's text box with its datepicker showed 2018-05-04 and
    silently put back the old date when « 31/02/2019 » was typed."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("class_", "form-control")
        return DateInput()(field, **kwargs)


def use_town_fields_in_generated_forms():
    """FAB builds a DecimalField (which refuses "4,50") for every numeric column: Marelle's
    amounts and quotients get a MoneyField instead; dates get the browser's date input."""
    from flask_appbuilder.forms import FieldConverter

    FieldConverter.conversion_table = tuple(
        (marker, MoneyField if field is DecimalField else field,
         NativeDateWidget if marker == "is_date" else widget)
        for marker, field, widget in FieldConverter.conversion_table)


def show_problems(form, exc) -> None:
    """Each refusal of a rule next to its field (a service's "regie_id" is the form's
    "regie"), or at the top of the page."""
    from flask import flash

    for name, message in exc.problems:
        name = name or ""
        field = getattr(form, name, None) or getattr(form, name.removesuffix("_id"), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "danger")


def checked_form(form_class, problems):
    """`form_class` whose validation also runs the domain's checks, `problems(form)` giving
    (field, message) pairs: every mistake shows at once, each next to its field, even when
    the form already refuses another field (FAB would stop there and the rule never run).
    A field the form already refuses keeps only the form's message."""

    class RuleCheckedForm(form_class):
        def validate(self, extra_validators=None):
            valid = super().validate(extra_validators=extra_validators)
            refused = False
            for name, message in problems(self):
                field = getattr(self, name or "", None)
                if field is None or field.errors:
                    continue
                field.errors = list(field.errors) + [message]
                refused = True
            return valid and not refused

    return RuleCheckedForm
