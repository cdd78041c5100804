"""The register's resources: household, person, household_member, guardianship."""
from flask import request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _

from app.api.base import MarelleModelApi, rule_response
from app.extensions import db
from app.models import Guardianship, Household, HouseholdMember, Person
from app.services import RuleViolation, registry

PERSON_FIELDS = ["kind", "last_name", "first_name", "birth_date", "email", "phone",
                 "mobile_phone", "profession", "can_login"]


class HouseholdApi(MarelleModelApi):
    resource_name = "household"
    datamodel = SQLAInterface(Household)
    list_columns = show_columns = ["id", "name", "address_line", "postal_code", "city",
                                   "archived"]
    add_columns = edit_columns = ["name", "address_line", "postal_code", "city"]
    search_columns = ["name", "postal_code", "city"]
    order_columns = ["name", "postal_code", "city"]

    def pre_add(self, item):
        registry.validate_household(item)

    pre_update = pre_add

    def pre_delete(self, item):
        if item.memberships:
            raise RuleViolation(_("A household with members cannot be deleted: move or archive them."))


class PersonApi(MarelleModelApi):
    resource_name = "person"
    datamodel = SQLAInterface(Person)
    list_columns = show_columns = ["id"] + PERSON_FIELDS + ["archived", "archived_at"]
    add_columns = PERSON_FIELDS
    edit_columns = PERSON_FIELDS[1:]  # a child does not become an adult by an edit
    search_columns = ["kind", "last_name", "first_name", "birth_date", "email", "search_name",
                      "archived_at"]
    order_columns = ["last_name", "first_name", "birth_date", "search_name"]

    def pre_add(self, item):
        registry.validate_person(item)

    def pre_update(self, item):
        registry.ensure_editable(item)
        registry.validate_person(item)

    def pre_delete(self, item):
        raise RuleViolation(_("People are archived, not deleted: use “Archive”."))

    @expose("/<int:pk>/archive", methods=["POST"])
    @protect()
    @safe
    def archive(self, pk):
        """Archive a person (409 when a rule forbids it, e.g. unpaid invoices)."""
        return self._archive_change(pk, registry.archive_person)

    @expose("/<int:pk>/unarchive", methods=["POST"])
    @protect()
    @safe
    def unarchive(self, pk):
        """Unarchive a person."""
        return self._archive_change(pk, registry.unarchive_person)

    @expose("/<int:pk>/account", methods=["GET"])
    @protect()
    @safe
    def account(self, pk):
        """An adult's account at a régie: {"balance", "entries": [{"date", "label",
        "amount"}]}; `regie_id` is required."""
        from app.models import Regie
        from app.services import payments

        person = db.session.get(Person, pk)
        if person is None:
            return self.response_404()
        regie_id = request.args.get("regie_id", type=int)
        if regie_id is None or db.session.get(Regie, regie_id) is None:
            return self.response_422(message={"regie_id": [_("Unknown régie.")]})
        found = payments.account(person.id, regie_id)
        return self.response(200, balance=str(found["balance"]), entries=[
            {"date": e.date.isoformat(), "label": e.label, "amount": str(e.amount),
             "kind": e.kind, "invoice_id": e.invoice_id, "payment_id": e.payment_id}
            for e in found["entries"]])

    def _archive_change(self, pk, operation):
        person = db.session.get(Person, pk)
        if person is None:
            return self.response_404()
        try:
            operation(person)
            db.session.commit()
        except RuleViolation as exc:
            return rule_response(self, exc)
        return self.response(200, archived=person.archived,
                             archived_at=person.archived_at.isoformat() if person.archived_at else None)


class HouseholdMemberApi(MarelleModelApi):
    resource_name = "household_member"
    datamodel = SQLAInterface(HouseholdMember)
    list_columns = show_columns = ["id", "household_id", "person_id"]
    add_columns = edit_columns = ["household_id", "person_id"]
    search_columns = ["household_id", "person_id"]

    def pre_add(self, item):
        person = db.session.get(Person, item.person_id)
        household = db.session.get(Household, item.household_id)
        if person is None:
            raise RuleViolation(_("Unknown person."), "person_id")
        if household is None:
            raise RuleViolation(_("Unknown household."), "household_id")
        registry.ensure_editable(person)
        if registry.is_member(household.id, person.id):
            raise RuleViolation(_("%(name)s already belongs to this household.",
                                  name=person.full_name))

    pre_update = pre_add


class GuardianshipApi(MarelleModelApi):
    resource_name = "guardianship"
    datamodel = SQLAInterface(Guardianship)
    list_columns = show_columns = ["id", "child_id", "adult_id", "relation"]
    add_columns = ["child_id", "adult_id", "relation"]
    edit_columns = ["relation"]
    search_columns = ["child_id", "adult_id", "relation"]

    def pre_add(self, item):
        registry.check_new_guardianship(db.session.get(Person, item.child_id),
                                        db.session.get(Person, item.adult_id), item.relation)

    def pre_update(self, item):
        registry.check_guardianship(item.child, item.adult, item.relation)
