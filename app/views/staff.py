"""A staff member's scope (« Périmètre »): the schools, then the services they are attached to.
What they see is filtered by it everywhere (app/security/scopes.py)."""
import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.extensions import db
from app.models import School, Service
from app.security import roles as roles_
from app.security import scopes


class StaffScopeView(BaseView):
    route_base = "/staff_scope"
    default_view = "list"
    base_permissions = ["can_edit", "can_list"]

    @expose("/")
    @has_access
    def list(self):
        """Every staff member with their scope (« Périmètres »), each leading to its page."""
        sm = self.appbuilder.sm
        staff = [u for u in db.session.scalars(sa.select(sm.user_model).order_by(
            sm.user_model.last_name, sm.user_model.first_name))
            if not any(r.name == roles_.PARENT for r in u.roles)]
        schools = {s.id: s.name for s in db.session.scalars(sa.select(School))}
        services = {s.id: s.name for s in db.session.scalars(sa.select(Service))}
        return self.render_template(
            "security/staff_scopes.html", staff=staff, schools=schools, services=services,
            scopes=scopes.scopes_of([u.id for u in staff]),
            title=_("Staff scopes"))

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
            schools=scopes.school_choices(), services=scopes.service_choices(),
            title=_("Scope of %(name)s", name=f"{user.first_name} {user.last_name}"))


class RoleCapabilitiesView(BaseView):
    """« Rôles » in business words: which capabilities each role has, ticked by the admin.
    Roles of the code edited here are never reset by an upgrade."""

    route_base = "/role_capabilities"
    default_view = "list"
    base_permissions = ["can_list", "can_edit"]

    def _fixed(self) -> tuple:
        """Roles not edited here: Admin has everything, Public and Parent nothing of the
        back-office (parents use the portal)."""
        sm = self.appbuilder.sm
        return (sm.auth_role_admin, sm.auth_role_public, roles_.PARENT)

    def _pvms(self):
        sm = self.appbuilder.sm
        return sm.session.query(sm.permissionview_model).all()

    @expose("/")
    @has_access
    def list(self):
        sm = self.appbuilder.sm
        pvms = self._pvms()
        roles = [r for r in sm.get_all_roles() if r.name not in self._fixed()]
        return self.render_template(
            "security/role_capabilities.html", roles=roles, capabilities=roles_.CAPABILITIES,
            held={r.id: roles_.capabilities_of(r, pvms) for r in roles},
            title=_("Roles and what they may do"))

    @expose("/<int:role_id>", methods=["POST"])
    @has_access
    def edit(self, role_id):
        sm = self.appbuilder.sm
        role = sm.session.get(sm.role_model, role_id) or abort(404)
        if role.name in self._fixed():
            abort(404)
        keys = [k for k in request.form.getlist("capabilities") if k in roles_.CAPABILITIES]
        roles_.set_capabilities(role, keys, self._pvms())
        sm.session.commit()
        flash(_("Role « %(name)s » saved.", name=role.name), "success")
        return redirect(url_for("RoleCapabilitiesView.list"))
