"""FAB's login/logout screens, with a logout that ends the session on the server.

Logout is a POST with the CSRF token (the navbar's button): a GET could be triggered by any
image tag of another site. GET /logout/ only shows the button."""
import sqlalchemy as sa
from flask import abort, flash, g, redirect, request, session, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.actions import action
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterNotEqual
from flask_appbuilder.security.views import (
    AuthDBView, PermissionViewModelView, RoleModelView, UserDBModelView, UserGroupModelView,
    UserModelView, UserStatsChartView)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from wtforms import SelectMultipleField, ValidationError

from app.extensions import db
from app.formatting import moment
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


def _server_moment(value) -> str:
    return moment(value.astimezone() if value is not None and value.tzinfo is None
                  else value)


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


def _schools():
    from app.security import scopes

    return scopes.school_choices()


def _services():
    from app.security import scopes

    return scopes.service_choices()


class CheckedQuerySelectMultipleField(QuerySelectMultipleField):
    """FAB's multiple select checks the posted ids before reading them, so an id that names
    nothing (a school deleted meanwhile, a forged value) was dropped without a word — and a
    scope emptied that way means « no limit ». Read first, then check."""

    def pre_validate(self, form):
        self.data  # noqa: B018  (reading the posted ids notes those that name nothing)
        if self._invalid_formdata:
            raise ValidationError(_("A value chosen no longer exists: reload the page and "
                                    "choose again."))
        super().pre_validate(form)


def _email_is_a_free_login(form, field):
    """The e-mail is the login: a valid address, no other account's login. Checked on the form,
    so that a refusal keeps what was typed."""
    from flask import current_app

    from app.services import RuleViolation, registry

    typed = (field.data or "").strip().lower()
    user_id = getattr(form, "_id", None)
    stored = current_app.appbuilder.sm.get_user_by_id(int(user_id)) \
        if str(user_id or "").isdecimal() else None
    if stored is not None and typed and typed == (stored.email or "").lower():
        # The address on file, even one today's check refuses (« agent@marelle.invalid »):
        # it must not stop a change of role, scope or messaging.
        return
    try:
        email = (registry.check_email(field.data) or "").lower()
    except RuleViolation as exc:
        raise ValidationError(exc.message) from exc
    if not email:
        raise ValidationError(_("Give the person's e-mail address: it is their login."))
    taken = current_app.appbuilder.sm.find_user(username=email)
    if taken is not None and str(taken.id) != str(getattr(form, "_id", None)):
        raise ValidationError(_("The address %(email)s is already the login of another "
                                "account.", email=email))


def _role_required(form, field):
    # FAB's own check reads the groups field, which a town's form does not have.
    if not field.data:
        raise ValidationError(_("Choose at least one role."))


_role_required.field_flags = {"required": True}  # the form's asterisk


def _staff_fields():
    """The fields of the FAQ's user form that are not columns of FAB's user: the schools and
    services the person is attached to (their scope), the messaging channels they may use."""
    from app.services import staff

    return {
        "scope_schools": CheckedQuerySelectMultipleField(
            _l("Schools"), query_func=_schools, get_pk_func=lambda s: s.id,
            get_label="name", widget=Select2ManyWidget(),
            description=_l("The schools this person works for. None: every school.")),
        "scope_services": CheckedQuerySelectMultipleField(
            _l("Services"), query_func=_services, get_pk_func=lambda s: s.id,
            get_label="name", widget=Select2ManyWidget(),
            description=_l("Then the services they work in: an animateur sees only these "
                           "services' children and attendance sheets. None: every service.")),
        "messaging_channels": SelectMultipleField(
            _l("Messaging"), choices=list(staff.CHANNELS.items()), widget=Select2ManyWidget(),
            description=_l("How they may write to families, if their role lets them write. "
                           "None: every channel.")),
    }


class MarelleUserView(UserDBModelView):
    """Users as a town manages them (the FAQ's « Utilisateurs »): the login is the e-mail
    address; name, roles (what each may do is ticked in « Rôles et droits »), the schools then
    the services they are attached to, the messaging they may use, active or not. A new
    account gets an e-mail inviting its owner to choose their password: nobody types it for
    them. A person who leaves is deactivated, never deleted: their name stays on what they
    did. « Oui »/« Non » and role names rather than True and [Agent]."""

    class_permission_name = "UserDBModelView"
    # FAB stores these moments in the server's local time, without a zone: shown in the
    # town's, as every other moment.
    formatters_columns = {"active": _yes_no, "roles": _names, "groups": _names,
                          **{column: _server_moment for column in ("last_login", "created_on",
                                                                   "changed_on")}}
    base_filters = [["id", StaffOnly, None]]
    # A staff member's roles: never Parent (the portal's) nor Public (nobody's).
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "roles": [["name", FilterNotEqual, PARENT_ROLE], ["name", FilterNotEqual, "Public"]]}
    add_form_extra_fields = edit_form_extra_fields = _staff_fields()
    validators_columns = {"roles": [_role_required], "email": [_email_is_a_free_login]}
    # A town gives access through roles alone: no groups on its forms; the login is the e-mail
    # (accounts made before keep the login they had).
    add_columns = ["first_name", "last_name", "email", "roles", "scope_schools",
                   "scope_services", "messaging_channels"]
    edit_columns = ["first_name", "last_name", "email", "active", "roles", "scope_schools",
                    "scope_services", "messaging_channels"]
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
        "email": _l("Their e-mail address: the login of a new account (accounts made before "
                    "keep theirs), and where the link to choose a password goes."),
    }
    add_row_message = _l("Account created.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Deactivate, never delete: the journal and the documents name who did what.
        self.base_permissions = [p for p in self.base_permissions if p != "can_delete"]

    @staticmethod
    def _login_from_email(item, previous=None):
        # The form checked the address (_email_is_a_free_login): it becomes the login.
        email = (item.email or "").strip().lower()
        item.email = email
        # Accounts made before logins were e-mails keep theirs (« agent »).
        if previous is None or "@" in previous:
            item.username = email

    def prefill_form(self, form, pk):
        from app.security import scopes
        from app.services import staff

        scope = scopes.scope_of(int(pk))
        form.scope_schools.data = [s for s in _schools() if s.id in scope.school_ids]
        form.scope_services.data = [s for s in _services() if s.id in scope.service_ids]
        form.messaging_channels.data = staff.listed_channels(int(pk))

    def pre_add(self, item):
        from app.services import staff

        self._login_from_email(item)
        item.active = True
        item.password = staff.unusable_password()

    def process_form(self, form, is_created):
        # Whether the account was active, read before the form fills the row: setting its
        # roles loads the old ones, and that load flushes the row already changed.
        pk = str((request.view_args or {}).get("pk", ""))
        if not is_created and pk.isdecimal():
            user_model = self.appbuilder.sm.user_model
            g._marelle_was_active = bool(db.session.scalar(sa.select(user_model.active).where(
                user_model.id == int(pk))))

    def pre_update(self, item):
        from app.services import staff

        super().pre_update(item)
        previous = sa.inspect(item).attrs.username.history.unchanged or \
            sa.inspect(item).attrs.username.history.deleted
        self._login_from_email(item, previous[0] if previous else item.username)
        if g.pop("_marelle_was_active", False) and not item.active:
            staff.deactivated(item.id)

    def _save_staff_fields(self, item):
        from app.services import staff

        # The form's extra fields, set on the row by FAB's populate_obj.
        staff.save_profile(item.id,
                           [s.id for s in getattr(item, "scope_schools", None) or ()],
                           [s.id for s in getattr(item, "scope_services", None) or ()],
                           getattr(item, "messaging_channels", None) or ())

    def post_add(self, item):
        from app.services import RuleViolation, staff

        self._save_staff_fields(item)
        try:
            staff.send_invitation(item)
        except RuleViolation as exc:
            db.session.commit()
            flash(_("The account is created, but the invitation could not be sent: "
                    "%(reason)s", reason=exc.message), "warning")
            return
        db.session.commit()
        flash(_("An invitation to choose a password was sent to %(email)s.", email=item.email),
              "success")

    def post_update(self, item):
        self._save_staff_fields(item)
        db.session.commit()

    show_template = "security/user_show.html"
    show_title = _l("Staff member")
    # FAB names the first block « User info » (« Mes informations ») on anybody's page.
    show_fieldsets = [
        (_l("Account"), {"fields": ["username", "active", "roles", "login_count"]}),
        (_l("Identity"), {"fields": ["first_name", "last_name", "email"], "expanded": True}),
        (_l("Audit Info"), {"fields": ["last_login", "fail_login_count", "created_on",
                                       "created_by", "changed_on", "changed_by"],
                            "expanded": False}),
    ]
    list_title = _l("Staff")

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        """FAB's page, with the actions a town uses on it: the link to choose a password,
        FAB's « reset password », the scope's own page."""
        item = self.datamodel.get(pk, self._base_filters) or abort(404)
        actions = {name: self.actions.get(name) for name in ("invite", "resetpasswords")}
        widgets = self._get_show_widget(pk, item, actions=actions)
        self.update_redirect()
        return self.render_template(self.show_template, pk=pk, title=self.show_title,
                                    widgets=widgets, appbuilder=self.appbuilder,
                                    related_views=self._related_views)

    def render_template(self, template, **kwargs):
        # The show page's extra table (user_show.html): schools, services, messaging.
        if template == self.show_template and kwargs.get("pk") is not None:
            kwargs["staff_profile"] = self._staff_profile(kwargs["pk"])
        return super().render_template(template, **kwargs)

    @staticmethod
    def _staff_profile(pk) -> dict:
        from app.security import scopes
        from app.services import staff

        scope = scopes.scope_of(int(pk))
        return {"schools": [s.name for s in _schools() if s.id in scope.school_ids],
                "services": [s.name for s in _services() if s.id in scope.service_ids],
                "channels": [str(staff.CHANNELS[c]) for c in staff.listed_channels(int(pk))]}

    def post_add_redirect(self):
        return redirect(url_for("MarelleUserView.list"))

    def post_edit_redirect(self):
        return redirect(url_for("MarelleUserView.list"))

    def get_method_permission(self, method_name: str) -> str:
        # The list and the page ask whether « delete » may show: it may not (see `delete`).
        if method_name == "delete":
            return "delete"
        return super().get_method_permission(method_name)

    @expose("/delete/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("edit")
    def delete(self, pk):
        """Staff accounts are never deleted: the way out, on the page of the person."""
        flash(_("A staff account is not deleted: untick « Active » so that the person can no "
                "longer log in; their name stays on what they did."), "warning")
        return redirect(url_for("MarelleUserView.edit", pk=pk))

    def _one(self, item):
        """The one staff account an action is for. FAB's list actions post a list of rows,
        even for an action made for one, and read them without the list's filter: a parent's
        portal login is not a staff account."""
        if isinstance(item, list):
            if len(item) != 1:
                abort(400)
            item = item[0]
        if item is None or self.datamodel.get(item.id, self._base_filters) is None:
            abort(404)
        return item

    @action("invite", _l("Send a link to choose a password"), "", "fa-envelope",
            multiple=False)
    def invite(self, item):
        from app.services import RuleViolation, staff

        item = self._one(item)
        try:
            staff.send_invitation(item)
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("A link to choose a password was sent to %(email)s.", email=item.email),
                  "success")
        return redirect(url_for("MarelleUserView.show", pk=item.id))

    @action("scope", _l("Scope: schools and services"), "", "fa-sitemap", multiple=False)
    def scope(self, item):
        item = self._one(item)
        return redirect(url_for("StaffScopeView.edit", user_id=item.id))

    @action("userinfoedit", _l("Edit my information"), "", "fa-edit", multiple=False)
    def userinfoedit(self, item):
        return redirect(url_for(self.appbuilder.sm.userinfoeditview.__name__ + ".this_form_get"))
