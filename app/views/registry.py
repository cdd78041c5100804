"""Back-office screens of the family register: households, adults, children and their records."""
from datetime import date

from flask import Response, abort, flash, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, ModelView, action, expose, has_access
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.widgets import ShowWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.formatting import RELATION_LABELS, short_date, yes_no
from app.models import (
    Document,
    Guardianship,
    Household,
    HouseholdMember,
    Person,
    PersonCriterion,
    PersonInsurance,
    Regie,
)
from app.security import acting_user
from app.services import RuleViolation, documents, messaging, portal_accounts, registry
from app.services.calendar import today_in_town
from app.views.base import RuleCheckedModelView, adult_or_404
from app.views.bookings import SubscriptionView
from app.views.offer import FamilyQuotientView
from app.views.schooling import EnrollmentView
from app.views.sepa import MandateView
from app.views.filters import (
    CHILD_FILTERS,
    ChildInterface,
    EagerPersonInterface,
    FilterIsNotNull,
    FilterIsNull,
    PersonSearchInterface,
    child_filter_fields,
    person_search_fields,
)
from app.views.forms import (
    ChildForm,
    DocumentForm,
    HouseholdWizardForm,
    MoveAdultForm,
    PickerField,
    _opt_int,
    checked_form,
    wizard_to_service_args,
)

PERSON_LABELS = {
    "kind": _l("Kind"),
    "last_name": _l("Last name"),
    "first_name": _l("First name"),
    "full_name": _l("Name"),
    "birth_date": _l("Birth date"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "mobile_phone": _l("Mobile phone"),
    "profession": _l("Profession"),
    "can_login": _l("Portal access"),
    "notes": _l("Notes"),
    "archived_at": _l("Archived on"),
    "created_at": _l("Created on"),
    "households": _l("Households"),
    "search_name": _l("Last and first name"),
}


def _flash_duplicates(person):
    twins = registry.possible_duplicates(
        person.kind, person.last_name, person.first_name, person.birth_date, exclude_id=person.id
    )
    if twins:
        flash(
            _("Possible duplicate: %(names)s already registered with the same names and birth date.",
              names=", ".join(f"{p.full_name} (n° {p.id})" for p in twins)),
            "warning",
        )


class HouseholdMemberView(ModelView):
    datamodel = SQLAInterface(HouseholdMember)
    list_title = _l("Members")
    list_columns = ["person", "person.kind"]
    label_columns = {"person": _l("Member"), "person.kind": _l("Kind"), "household": _l("Household")}
    base_permissions = ["can_list"]
    formatters_columns = {"person.kind": lambda kind: str(registry_kind_label(kind))}


class RecordShowWidget(ShowWidget):
    """A record's fields and actions, where « Archiver » is a secondary button."""

    template = "registry/show_widget.html"

    def __init__(self, **kwargs):
        kwargs.setdefault("secondary_actions", ("archive",))
        kwargs.setdefault("confirmations", {})
        super().__init__(**kwargs)


def show_problems(form, exc: RuleViolation) -> None:
    """Each problem of a refusal next to its field of a register form (add_rule_error), but
    not on a field the form itself already refuses."""
    for name, message in exc.problems:
        target = getattr(form, getattr(form, "FIELD_OF", {}).get(name or "", name or ""), None)
        if target is not None and not isinstance(target, HiddenField) and target.errors:
            continue
        form.add_rule_error(RuleViolation(message, name))


def _form_data(form, cls):
    """A PersonData or HouseholdData from the form's fields (those it lacks stay empty)."""
    return cls(**{key: form[key].data for key in cls.__dataclass_fields__
                  if key != "extra" and key in form})


def registry_kind_label(kind):
    from app.formatting import KIND_LABELS

    return KIND_LABELS.get(kind, kind)


def _official_documents(page, view, items):
    """The rows ticked, to the certificates' or sheets' form (OfficialDocumentView)."""
    items = items if isinstance(items, list) else [items]
    return redirect(url_for(f"OfficialDocumentView.{page}",
                            source=view.extra_args["official_documents"],
                            ids=",".join(str(i.id) for i in items)))


class HouseholdView(RuleCheckedModelView):
    datamodel = SQLAInterface(Household)
    list_template = "marelle/list_name_search.html"
    extra_args = {"message_source": "household", "official_documents": "households",
                  "name_search_arg": "_flt_2_name",  # the folded « Contient » filter
                  "name_search_reset": _l("Show every household")}
    list_title = _l("Households")
    show_title = _l("Household")
    edit_title = _l("Rename the household")
    add_title = _l("Create a household")
    list_columns = ["name", "postal_code", "city", "created_at"]
    search_columns = ["name", "address_line", "postal_code", "city"]
    show_columns = ["name", "address_line", "postal_code", "city", "created_at"]
    edit_columns = ["name", "address_line", "postal_code", "city"]
    order_columns = ["name", "postal_code", "city", "created_at"]
    base_order = ("name", "asc")
    label_columns = {
        "name": _l("Household name"),
        "address_line": _l("Address"),
        "postal_code": _l("Postal code"),
        "city": _l("City"),
        "created_at": _l("Created on"),
    }
    formatters_columns = {"created_at": short_date}
    base_permissions = ["can_list", "can_show", "can_edit", "can_delete", "can_search",
                        "can_search_json", "tax_certificates"]
    related_views = [HouseholdMemberView, FamilyQuotientView]
    show_template = "registry/household_show.html"

    def _init_forms(self):
        super()._init_forms()
        self.edit_form = checked_form(self.edit_form, lambda form: registry.household_problems(
            _form_data(form, registry.HouseholdData)))

    def pre_update(self, item):
        self._run_rule(registry.validate_household, item)

    def pre_delete(self, item):
        if item.memberships:
            raise Exception(_("A household with members cannot be deleted: move or archive them."))

    @action("tax_certificates", _l("Tax certificates"), None, "fa-file-invoice")
    def tax_certificates(self, items):
        return _official_documents("tax_certificates", self, items)

    @expose("/search_json")
    @has_access
    def search_json(self):
        return jsonify([
            {"id": h.id, "label": f"{h.name} — {h.city or ''}"}
            for h in registry.search_households(request.args.get("q", ""))
        ])


class PersonCriterionView(ModelView):
    datamodel = SQLAInterface(PersonCriterion)
    list_columns = ["criterion", "value"]
    add_columns = edit_columns = ["person", "value"]
    label_columns = {"criterion": _l("Criterion"), "value": _l("Value"), "person": _l("Person")}
    list_title = _l("Criteria")
    add_title = _l("Give a criterion value")
    edit_title = _l("Change a criterion value")

    def _sync(self, item):
        if item.person and item.person.archived:
            raise Exception(_("%(name)s is archived: unarchive the record before changing it.",
                              name=item.person.full_name))
        item.criterion = item.value.criterion
        if item.person and item.criterion.applies_to != item.person.kind:
            raise Exception(_("This criterion does not apply to this kind of person."))

    pre_add = pre_update = _sync


class PersonInsuranceView(ModelView):
    datamodel = SQLAInterface(PersonInsurance)
    list_columns = ["insurance", "policy_number", "valid_until"]
    add_columns = edit_columns = ["person", "insurance", "policy_number", "valid_until"]
    label_columns = {
        "insurance": _l("Insurance"), "policy_number": _l("Policy number"),
        "valid_until": _l("Valid until"), "person": _l("Person"),
    }
    formatters_columns = {"valid_until": short_date}
    list_title = _l("Insurances")
    add_title = _l("Add an insurance")
    edit_title = _l("Edit an insurance")
    add_form_query_rel_fields = {"insurance": [["visible", FilterEqual, True]]}


class GuardianshipView(RuleCheckedModelView):
    datamodel = SQLAInterface(Guardianship)
    list_columns = ["adult", "child", "relation"]
    add_columns = ["child", "adult", "relation"]
    label_columns = {"adult": _l("Legal guardian"), "child": _l("Child"), "relation": _l("Relation")}
    formatters_columns = {"relation": lambda r: str(RELATION_LABELS.get(r, r))}
    base_permissions = ["can_list", "can_add", "can_delete"]
    list_title = _l("Legal guardians")
    add_title = _l("Add a legal guardian")
    add_form_extra_fields = {
        "child": PickerField(_l("Child"), Person, "ChildView.search_json"),
        "adult": PickerField(_l("Legal guardian"), Person, "AdultView.search_json"),
    }

    def pre_add(self, item):
        self._run_rule(registry.check_new_guardianship, item.child, item.adult, item.relation)


class DocumentView(ModelView):
    datamodel = PersonSearchInterface(Document)
    list_title = _l("Documents")
    show_title = _l("Document")
    edit_title = _l("Edit a document")
    list_columns = ["name", "person", "original_filename", "portal_from", "portal_until", "uploaded_at"]
    show_columns = ["name", "description", "person", "original_filename", "content_type", "size",
                    "portal_from", "portal_until", "uploaded_at"]
    edit_columns = ["name", "description", "portal_from", "portal_until"]
    search_columns = ["name", "person", "portal_from", "portal_until"]
    search_form_extra_fields = person_search_fields(person=_l("Person"))
    label_columns = {
        "name": _l("Name"), "description": _l("Description"), "person": _l("Person"),
        "original_filename": _l("File"), "content_type": _l("Type"), "size": _l("Size (bytes)"),
        "portal_from": _l("On the portal from"), "portal_until": _l("On the portal until"),
        "uploaded_at": _l("Uploaded on"),
    }
    formatters_columns = {"portal_from": short_date, "portal_until": short_date,
                          "uploaded_at": short_date}
    base_permissions = ["can_list", "can_show", "can_edit", "can_delete", "can_download",
                        "can_upload"]

    def pre_update(self, item):
        try:
            documents.check_portal_dates(item.portal_from, item.portal_until)
        except RuleViolation as exc:
            raise Exception(exc.message) from exc

    def post_delete(self, item):
        documents.remove_file(item)

    @expose("/download/<int:pk>")
    @has_access
    def download(self, pk):
        document = db.session.get(Document, pk) or abort(404)
        return send_file(
            documents.path_of(document),
            mimetype=document.content_type,
            as_attachment=True,
            download_name=documents.download_name(document),
        )

    @expose("/upload/<int:person_id>", methods=["GET", "POST"])
    @has_access
    def upload(self, person_id):
        person = db.session.get(Person, person_id) or abort(404)
        form = DocumentForm()
        if form.validate_on_submit():
            try:
                documents.attach(
                    person,
                    form.file.data,
                    name=form.name.data,
                    description=form.description.data,
                    portal_from=form.portal_from.data,
                    portal_until=form.portal_until.data,
                    uploaded_by_id=acting_user().id,
                )
                db.session.commit()
                flash(_("Document “%(name)s” added.", name=form.name.data), "success")
                return redirect(url_for(f"{_person_view_name(person)}.show", pk=person.id))
            except RuleViolation as exc:
                db.session.rollback()
                form.file.errors.append(exc.message)
        return self.render_template(
            "registry/document_upload.html", form=form, person=person,
            title=_("Add a document for %(name)s", name=person.full_name),
        )


# What a row of the people lists shows besides the person: their households.
PERSON_ROW_EAGER = [selectinload(Person.memberships).joinedload(HouseholdMember.household)]


def _person_view_name(person):
    if person.archived:
        return "ArchivedAdultView" if person.kind == "adult" else "ArchivedChildView"
    return "AdultView" if person.kind == "adult" else "ChildView"


class PersonView(RuleCheckedModelView):
    """Shared behaviour of the Responsables and Enfants screens."""

    datamodel = EagerPersonInterface(Person, eager=PERSON_ROW_EAGER)
    kind = None
    list_template = "marelle/list_name_search.html"
    extra_args = {"name_search_arg": "_flt_0_search_name"}  # every word, accents and case aside
    show_template = "registry/person_show.html"
    search_columns = ["search_name", "last_name", "first_name", "birth_date", "email", "phone",
                      "created_at", "archived_at"]
    order_columns = ["last_name", "first_name", "birth_date", "created_at"]
    base_order = ("search_name", "asc")
    label_columns = PERSON_LABELS
    formatters_columns = {
        "birth_date": short_date, "archived_at": short_date, "created_at": short_date,
        "households": lambda households: ", ".join(h.name for h in households),
        "can_login": yes_no,
        **{column: (lambda v: "" if v is None else v) for column in (
            "email", "phone", "mobile_phone", "profession", "notes")},
    }
    related_views = [PersonCriterionView, DocumentView]
    show_widget = RecordShowWidget

    def _init_forms(self):
        super()._init_forms()
        self.edit_form = checked_form(self.edit_form, lambda form: registry.person_problems(
            self.kind, _form_data(form, registry.PersonData)))

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        widgets = super()._get_show_widget(pk, item, widgets, actions, show_fieldsets)
        if item is not None:
            widgets["show"].template_args["confirmations"] = {"archive": _(
                "Archive %(name)s? The record becomes read-only and leaves the lists; it can "
                "be unarchived later.", name=item.display_name)}
        return widgets

    def pre_add(self, item):
        item.kind = self.kind
        self._run_rule(registry.validate_person, item)

    def post_add(self, item):
        _flash_duplicates(item)

    def pre_update(self, item):
        self._run_rule(registry.ensure_editable, item)
        self._run_rule(registry.validate_person, item)

    def pre_delete(self, item):
        raise Exception(_("People are archived, not deleted: use “Archive”."))

    def show_context(self, item):
        from app.models import BillingRule
        from app.services import bookings, schooling

        if item is None:
            return {}
        if item.kind == "child":
            from app.services import child_care

            today = today_in_town()
            # Health data only for who may read it (not the régie: app.security.roles).
            care_shown = self.appbuilder.sm.has_access("can_show", "ChildCareView")
            return {"current_class": schooling.current_class(item.id, today),
                    "subscriptions": bookings.current_subscriptions(item.id, today),
                    "care_shown": care_shown,
                    "care": child_care.care_of(item) if care_shown else None}
        from app.services import accounts, billing, payments

        portal_state = portal_accounts.state_of(portal_accounts.account_of(item.id))
        # What a family owes and paid: for who reads invoices or accounts, not for every role
        # that reads the register.
        sm = self.appbuilder.sm
        money_shown = sm.has_access("can_list", "InvoiceView") or \
            sm.has_access("can_account", "PersonApi")
        return {
            "portal_state": portal_accounts.STATES[portal_state],
            "messages": messaging.messages_of(item.id, limit=10),
            "billing_rules": db.session.scalars(sa.select(BillingRule).where(
                BillingRule.payer_id == item.id).order_by(BillingRule.start_date)).all(),
            **({"account": {"balances": payments.balances(item.id),
                            "months": accounts.months_of(item.id),
                            "due": billing.due_by_payer([item.id])[item.id],
                            "last_payments": payments.latest_of(item.id)}}
               if money_shown else {})}

    @action("archive", _l("Archive"), _l("Archive the selected people?"), "fa-archive")
    def archive(self, items):
        return self._bulk(items, registry.archive_person, _("%(name)s archived."))

    @action("tax_certificates", _l("Tax certificates"), None, "fa-file-invoice")
    def tax_certificates(self, items):
        return _official_documents("tax_certificates", self, items)

    @action("information_sheets", _l("Information sheets"), None, "fa-id-card")
    def information_sheets(self, items):
        return _official_documents("information_sheets", self, items)

    def _bulk(self, items, operation, message):
        items = items if isinstance(items, list) else [items]
        for item in items:
            try:
                operation(item)
                db.session.commit()
                flash(message % {"name": item.full_name}, "success")
            except RuleViolation as exc:
                db.session.rollback()
                flash(exc.message, "danger")
        return redirect(self.get_redirect())

    @expose("/search_json")
    @has_access
    def search_json(self):
        people = registry.search_people(self.kind, request.args.get("q", ""))
        return jsonify([
            {"id": p.id, "label": f"{p.full_name} ({short_date(p.birth_date) or '—'})"}
            for p in people
        ])


_ARCHIVED = [["archived_at", FilterIsNotNull, None]]
_ACTIVE = [["archived_at", FilterIsNull, None]]


class AdultView(PersonView):
    kind = "adult"
    extra_args = {**PersonView.extra_args, "message_source": "adult",
                  "official_documents": "adults"}
    base_filters = [["kind", FilterEqual, "adult"]] + _ACTIVE
    list_title = _l("Adults")
    show_title = _l("Adult")
    add_title = _l("Add an adult")
    edit_title = _l("Edit an adult")
    list_columns = ["last_name", "first_name", "email", "phone", "households"]
    show_columns = ["last_name", "first_name", "birth_date", "email", "phone", "mobile_phone",
                    "profession", "notes", "created_at"]
    # The portal login is opened, changed and deleted on its own page (« Accès au portail »),
    # which sends the invitation: a bare checkbox here would promise a login nobody created.
    edit_columns = ["last_name", "first_name", "birth_date", "email", "phone", "mobile_phone",
                    "profession", "notes"]
    related_views = [SubscriptionView, EnrollmentView, PersonCriterionView, PersonInsuranceView,
                     DocumentView, MandateView]

    def pre_update(self, item):
        super().pre_update(item)
        # The login is the e-mail: it follows the record's (refused if another login has it).
        self._run_rule(portal_accounts.follow_email, item)
    base_permissions = ["can_list", "can_show", "can_edit", "can_add", "can_search",
                        "can_search_json", "can_move", "archive", "can_statement", "can_export",
                        "tax_certificates", "information_sheets"]
    # « id » stands for the account: its filters are « in debit / in credit at the régie ».
    search_columns = PersonView.search_columns + ["id"]
    label_columns = {**PERSON_LABELS, "id": _l("Account")}
    list_template = "registry/adult_list.html"

    @expose("/list/")
    @has_access
    def list(self):
        """The adults, with links to those in debit or in credit at each régie."""
        self.update_redirect()
        widgets = self._list()
        regies = db.session.scalars(sa.select(Regie).order_by(Regie.code)).all()
        return self.render_template(self.list_template, title=self.list_title,
                                    widgets=widgets, regies=regies)

    @expose("/export/<int:pk>")
    @has_access
    def export(self, pk):
        """An access request (RGPD): everything held about the adult and their children."""
        from app.services import privacy

        adult = adult_or_404(pk)
        return Response(privacy.family_export(adult), mimetype="application/zip", headers={
            "Content-Disposition": f'attachment; filename="donnees-{adult.id}.zip"'})

    @expose("/statement/<int:pk>")
    @has_access
    def statement(self, pk):
        """A month of one régie's account, printed (« Imprimer le récapitulatif »)."""
        from app.pdf.accounts import statement_pdf
        from app.services import accounts

        adult = self.datamodel.get(pk, self._base_filters) or abort(404)
        try:
            month = date.fromisoformat(request.args.get("month", "") + "-01")
        except ValueError:
            abort(404)
        account = accounts.month_of(adult.id, request.args.get("regie", type=int) or 0, month)
        if account is None:
            abort(404)
        return Response(statement_pdf(adult, account), mimetype="application/pdf", headers={
            "Content-Disposition": f'inline; filename="compte-{month:%Y-%m}.pdf"'})

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        # Adding an adult creates their household in the same step: the guided flow does both.
        return redirect(url_for("HouseholdWizardView.new", mode="adult"))

    @expose("/move/<int:pk>", methods=["GET", "POST"])
    @has_access
    def move(self, pk):
        adult = self.datamodel.get(pk, self._base_filters) or abort(404)
        form = MoveAdultForm()
        if form.validate_on_submit():
            try:
                if form.target.data == "new":
                    target = registry.new_household(form.household_data())
                else:
                    target = db.session.get(Household, _opt_int(form.household_id.data) or 0)
                    if target is None:
                        raise RuleViolation(_("Choose the household to move to."), "household_id")
                children = registry.move_adult(adult, target)
                db.session.commit()
                flash(_("%(name)s moved to household “%(household)s”.", name=adult.full_name,
                        household=target.name), "success")
                if children:
                    flash(_("Children who followed: %(names)s.",
                            names=", ".join(c.full_name for c in children)), "info")
                return redirect(url_for("AdultView.show", pk=adult.id))
            except RuleViolation as exc:
                db.session.rollback()
                flash(exc.message, "danger")
        return self.render_template(
            "registry/move_adult.html", form=form, adult=adult,
            title=_("Move %(name)s to another household", name=adult.full_name),
        )


class ChildView(PersonView):
    kind = "child"
    # « Établissement », « Classe », « Prestation »: who staff write to (« Envoyer un
    # message ») or print for, the whole filtered list (app.views.filters.ChildInterface).
    datamodel = ChildInterface(Person, eager=PERSON_ROW_EAGER)
    search_columns = PersonView.search_columns + list(CHILD_FILTERS)
    search_form_extra_fields = child_filter_fields()
    label_columns = {**PERSON_LABELS, "school": _l("School"), "school_class": _l("Class"),
                     "service": _l("Service")}
    extra_args = {**PersonView.extra_args, "message_source": "child",
                  "official_documents": "children"}
    base_filters = [["kind", FilterEqual, "child"]] + _ACTIVE
    list_title = _l("Children")
    show_title = _l("Child")
    add_title = _l("Add a child")
    edit_title = _l("Edit a child")
    list_columns = ["last_name", "first_name", "birth_date", "households"]
    add_columns = ["last_name", "first_name", "birth_date", "notes"]
    show_columns = ["last_name", "first_name", "birth_date", "notes", "created_at"]
    edit_columns = ["last_name", "first_name", "birth_date", "notes"]
    base_permissions = ["can_list", "can_show", "can_edit", "can_add", "can_search",
                        "can_search_json", "archive", "tax_certificates",
                        "information_sheets"]

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        """A child is entered with its responsable and their link, and joins their households.
        From a household's page (?household_id=), the responsable is one of its adults, the
        child joins that household and the agent comes back to it."""
        household = None
        if request.args.get("household_id"):
            household = db.session.get(Household, _opt_int(request.args["household_id"]) or 0)
            if household is None:
                abort(404)
        adults = [p for p in household.active_members if p.kind == "adult"] if household else []
        form = ChildForm()
        if request.method == "GET" and adults:
            form.guardian_id.data = str(adults[0].id)
        if request.method == "POST":
            valid = form.validate_on_submit()
            guardian = db.session.get(Person, _opt_int(form.guardian_id.data) or 0)
            try:
                if not valid:
                    # What the form refuses and what the rules refuse, shown together.
                    registry.check_new_child(form.person_data(), guardian, form.relation.data)
                else:
                    child = registry.add_child(form.person_data(), guardian, form.relation.data,
                                               household=household)
                    db.session.commit()
                    if household is not None:
                        flash(_("%(name)s added to household %(household)s.",
                                name=child.display_name, household=household.bare_name),
                              "success")
                        _flash_duplicates(child)
                        return redirect(url_for("HouseholdView.show", pk=household.id))
                    flash(_("%(name)s added.", name=child.full_name), "success")
                    _flash_duplicates(child)
                    return redirect(url_for("ChildView.show", pk=child.id))
            except RuleViolation as exc:
                db.session.rollback()
                show_problems(form, exc)
        title = (_("Add a child to household %(name)s", name=household.bare_name)
                 if household is not None else self.add_title)
        return self.render_template("registry/child_add.html", form=form, title=title,
                                    household=household, household_adults=adults)

    related_views = [GuardianshipView, EnrollmentView, SubscriptionView, PersonCriterionView,
                     DocumentView]


class ArchivedPersonView(PersonView):
    """Archived people: read-only, found by the date they were archived, and unarchived here."""

    base_permissions = ["can_list", "can_show", "can_search", "unarchive"]
    list_columns = ["last_name", "first_name", "birth_date", "archived_at"]
    show_columns = ["last_name", "first_name", "birth_date", "email", "phone", "archived_at"]
    base_order = ("archived_at", "desc")
    related_views = []

    @action("unarchive", _l("Unarchive"), _l("Unarchive the selected people?"), "fa-box-open")
    def unarchive(self, items):
        return self._bulk(items, registry.unarchive_person, _("%(name)s unarchived."))


class ArchivedAdultView(ArchivedPersonView):
    kind = "adult"
    base_filters = [["kind", FilterEqual, "adult"]] + _ARCHIVED
    list_title = _l("Archived adults")
    show_title = _l("Archived adult")


class ArchivedChildView(ArchivedPersonView):
    kind = "child"
    base_filters = [["kind", FilterEqual, "child"]] + _ARCHIVED
    list_title = _l("Archived children")
    show_title = _l("Archived child")


class HouseholdWizardView(BaseView):
    """“Créer un foyer”: adult (new or found), contact details, child (new, found or none),
    household name and address, in one page whose sections follow the FAQ's steps."""

    route_base = "/households"
    default_view = "new"

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        """?household_id= opens it from a household's page: the adult (and a child) join that
        household, and the agent comes back to it."""
        household = None
        if request.args.get("household_id"):
            household = db.session.get(Household, _opt_int(request.args["household_id"]) or 0)
            if household is None:
                abort(404)
        form = HouseholdWizardForm()
        if request.method == "GET" and (household or request.args.get("mode") == "adult"):
            form.child_mode.data = "none"
        if household is not None:
            form.household_mode.data = "existing"
            form.household_id.data = str(household.id)
        if request.method == "POST":
            valid = form.validate_on_submit()
            try:
                if not valid:
                    # What the form refuses and what the rules refuse, shown together.
                    registry.check_wizard(**wizard_to_service_args(form))
                else:
                    done = registry.register_from_wizard(**wizard_to_service_args(form))
                    db.session.commit()
                    self._flash_outcome(done)
                    return redirect(url_for("HouseholdView.show", pk=done.household.id))
            except RuleViolation as exc:
                db.session.rollback()
                show_problems(form, exc)
        if household is not None:
            title = _("Add a responsable to household %(name)s", name=household.bare_name)
        else:
            title = _("Create a household")
        return self.render_template("registry/household_wizard.html", form=form, title=title,
                                    household=household)

    @staticmethod
    def _flash_outcome(done: registry.WizardOutcome):
        if done.created:
            flash(_("Household “%(name)s” created.", name=done.household.name), "success")
        else:
            for person in filter(None, (done.adult, done.child)):
                flash(_("%(name)s added to household %(household)s.", name=person.display_name,
                        household=done.household.bare_name), "success")
        for person in done.household.active_members:
            _flash_duplicates(person)
