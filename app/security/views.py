"""FAB's login/logout screens, with a logout that ends the session on the server.

Logout is a POST with the CSRF token (the navbar's button): a GET could be triggered by any
image tag of another site. GET /logout/ only shows the button."""
import sqlalchemy as sa
from flask import flash, redirect, request, session, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterNotEqual
from flask_appbuilder.security.views import (
    AuthDBView, PermissionViewModelView, RoleModelView, UserDBModelView, UserGroupModelView,
    UserModelView, UserStatsChartView)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from app.extensions import db
from app.security import sessions
from app.security.roles import PARENT as PARENT_ROLE


class MarelleAuthDBView(AuthDBView):
    # FAB's form with a « Mot de passe oublié ? » link (app/views/mail.py).
    login_template = "security/login_db.html"
    logout_template = "security/logout.html"

    def _login_url(self):
        return url_for(self.__class__.__name__ + ".login")

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self):
        if request.method == "GET":
            if not current_user.is_authenticated:
                return redirect(self._login_url())
            return self.render_template(self.logout_template, appbuilder=self.appbuilder,
                                        title=_("Log out"))
        user = self._get_authenticated_user()
        if user is not None:
            sessions.bump_session_version(user.id)
            db.session.commit()
        logout_user()
        sessions.close_session(session)
        if user is not None:
            self.appbuilder.sm.on_user_logout(user)
            flash(_("You are logged out."), "info")
        return redirect(self._login_url())



# FAB's security screens name some columns (and their search filters) with bare English words.
# Each subclass keeps FAB's route and permission names, so roles and links stay as they were.

class MarelleGroupView(UserGroupModelView):
    class_permission_name = "UserGroupModelView"
    label_columns = {"name": _l("Name"), "label": _l("Label"), "description": _l("Description"),
                     "users": _l("Users"), "roles": _l("Roles")}


class MarelleRoleView(RoleModelView):
    class_permission_name = "RoleModelView"
    label_columns = {**RoleModelView.label_columns, "user": _l("Users"), "groups": _l("Groups")}


class MarellePermissionViewView(PermissionViewModelView):
    class_permission_name = "PermissionViewModelView"
    label_columns = {**PermissionViewModelView.label_columns, "role": _l("Role")}


class MarelleUserStatsView(UserStatsChartView):
    route_base = "/userstatschartview"
    class_permission_name = "UserStatsChartView"
    label_columns = {**UserModelView.label_columns, **UserStatsChartView.label_columns}
    definitions = [
        {"label": _l("Login count"), "group": "username", "series": ["login_count"]},
        {"label": _l("Failed login count"), "group": "username",
         "series": ["fail_login_count"]},
    ]


def _yes_no(value):
    return _("Yes") if value else _("No")


def _names(rows):
    return ", ".join(str(row) for row in rows or ())


class StaffOnly(BaseFilter):
    """Staff accounts only: parents' portal logins are managed on the adult's record
    (« Accès au portail »), not among a town's staff."""

    name = "staff"
    arg_name = "staff"

    def apply(self, query, value):
        role = self.datamodel.obj.roles.property.mapper.class_
        return query.filter(~self.datamodel.obj.roles.any(role.name == PARENT_ROLE))


class MarelleUserView(UserDBModelView):
    """Users as a town manages them: the login is the e-mail address; name, roles (what each
    may do is ticked in « Rôles et droits »), active or not, and the « Périmètre » action for
    the schools and services they are attached to. « Oui »/« Non » and role names rather than
    True and [Agent]."""

    class_permission_name = "UserDBModelView"
    formatters_columns = {"active": _yes_no, "roles": _names, "groups": _names}
    base_filters = [["id", StaffOnly, None]]
    # A staff member's roles: never Parent (the portal's) nor Public (nobody's).
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "roles": [["name", FilterNotEqual, PARENT_ROLE], ["name", FilterNotEqual, "Public"]]}
    # A town gives access through roles alone: no groups on its forms; the login is the e-mail
    # (accounts made before keep the login they had).
    add_columns = ["first_name", "last_name", "email", "active", "roles", "password",
                   "conf_password"]
    edit_columns = ["first_name", "last_name", "email", "active", "roles"]
    list_columns = ["first_name", "last_name", "username", "active", "roles"]
    show_columns = ["first_name", "last_name", "username", "email", "active", "roles",
                    "last_login", "login_count", "created_on"]
    # FAB's help texts speak of OID, LDAP and « policies »: these say what a town needs.
    description_columns = {
        "active": _l("A person who leaves keeps their history: untick this rather than "
                     "deleting them."),
        "roles": _l("What this person may do: Agent (families, bookings, attendance), "
                    "Régisseur (billing, payments), Animateur (attendance), Admin (everything). "
                    "« Rôles et droits » says what each role may do."),
        "email": _l("Their e-mail address: it is their login, and where a forgotten "
                    "password's link goes."),
    }

    def _login_from_email(self, item, previous=None):
        email = (item.email or "").strip().lower()
        if not email:
            raise Exception(_("Give the person's e-mail address: it is their login."))
        with db.session.no_autoflush:  # the form's item is half-built: never flush it here
            taken = self.appbuilder.sm.find_user(username=email)
        if taken is not None and taken.id != item.id:
            raise Exception(_("The address %(email)s is already the login of another account.",
                              email=email))
        item.email = email
        # Accounts made before logins were e-mails keep theirs (« agent »).
        if previous is None or "@" in previous:
            item.username = email

    def pre_add(self, item):
        self._login_from_email(item)
        super().pre_add(item)  # FAB hashes the password there

    def pre_update(self, item):
        super().pre_update(item)
        previous = sa.inspect(item).attrs.username.history.unchanged or \
            sa.inspect(item).attrs.username.history.deleted
        self._login_from_email(item, previous[0] if previous else item.username)

    @action("scope", _l("Scope: schools and services"), "", "fa-sitemap", multiple=False)
    def scope(self, item):
        return redirect(url_for("StaffScopeView.edit", user_id=item.id))

    @action("userinfoedit", _l("Edit my information"), "", "fa-edit", multiple=False)
    def userinfoedit(self, item):
        return redirect(url_for(self.appbuilder.sm.userinfoeditview.__name__ + ".this_form_get"))
