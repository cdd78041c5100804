"""A staff member's scope (« Périmètre »): the schools, then the services they are attached to.
What they see is filtered by it everywhere (app/security/scopes.py)."""
import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.extensions import db
from app.models import School, Service
from app.security import scopes


class StaffScopeView(BaseView):
    route_base = "/staff_scope"
    default_view = "edit"
    base_permissions = ["can_edit"]

    @expose("/<int:user_id>", methods=["GET", "POST"])
    @has_access
    def edit(self, user_id):
        user = db.session.get(self.appbuilder.sm.user_model, user_id) or abort(404)
        if request.method == "POST":
            try:
                schools = [int(i) for i in request.form.getlist("schools")]
                services = [int(i) for i in request.form.getlist("services")]
            except ValueError:
                abort(400)
            scopes.set_scope(user.id, schools, services)
            db.session.commit()
            flash(_("Scope of %(name)s saved.", name=f"{user.first_name} {user.last_name}"),
                  "success")
            return redirect(url_for("StaffScopeView.edit", user_id=user.id))
        current = scopes.scope_of(user.id)
        return self.render_template(
            "security/staff_scope.html", user=user, current=current,
            schools=db.session.scalars(sa.select(School).order_by(School.name)).all(),
            services=db.session.scalars(sa.select(Service).order_by(Service.name)).all(),
            title=_("Scope of %(name)s", name=f"{user.first_name} {user.last_name}"))
