"""« Santé et autorisations » of a child: the form behind the panel of the child's record.
Who reads the panel holds « can_show » here, who changes it « can_edit » (app.security.roles):
an activity leader reads allergies and PAI, the front desk keeps them up to date."""
import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.extensions import db
from app.models import Person
from app.services import RuleViolation, child_care
from app.views.forms import ChildCareForm, checked_form, show_problems

CheckedChildCareForm = checked_form(
    ChildCareForm, lambda form: child_care.care_problems(form.care_data()))


class ChildCareView(BaseView):
    route_base = "/child_care"
    # « can_show » has no page of its own: it shows the panel on the child's record and the
    # marker on the attendance sheet.
    base_permissions = ["can_show", "can_edit"]

    @expose("/<int:pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        # A scoped staff member's query finds no child out of their scope: 404, as the record.
        child = db.session.scalar(sa.select(Person).where(Person.id == pk,
                                                          Person.kind == "child")) or abort(404)
        record = url_for("ChildView.show", pk=child.id, _anchor="care")
        if child.archived:
            flash(_("%(name)s is archived: unarchive the record before changing it.",
                    name=child.full_name), "danger")
            return redirect(url_for("ArchivedChildView.show", pk=child.id))
        form = CheckedChildCareForm()
        if request.method == "GET":
            form.fill(child_care.care_of(child))
        elif form.validate_on_submit():
            try:
                child_care.save(child, form.care_data())
                db.session.commit()
                flash(_("Health and permissions of %(name)s saved.", name=child.display_name),
                      "success")
                return redirect(record)
            except RuleViolation as exc:
                db.session.rollback()
                show_problems(form, exc)
        return self.render_template(
            "registry/child_care_form.html", form=form, child=child, back=record,
            title=_("Health and permissions of %(name)s", name=child.display_name))
