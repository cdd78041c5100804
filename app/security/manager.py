"""FAB's security manager, with each request's user and permission checks answered from two
queries, for screens and API alike.

FAB asks the database once per `has_access` call (a page with a menu asks some thirty times),
and on the API's JWT path loads the user, then its roles, its groups, the Public role and its
permissions, twice. Here a request reads its user with its session version in one query, then
every (view, permission) pair of the user's roles and of the Public role in a second one, kept
in `flask.g` for the rest of the request.

It also ends sessions for real (app/security/sessions.py), throttles failed logins per account
and per address (app/security/throttle.py), and bumps the session version when a password
changes.
"""
import time
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request, session
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import (
    assoc_group_role,
    assoc_permissionview_role,
    assoc_user_group,
    assoc_user_role,
)
from flask_jwt_extended import current_user as current_user_jwt
from flask_jwt_extended import verify_jwt_in_request
from flask_login import current_user

from app.models.security import UserSessionState, staff_scope_school, staff_scope_service
from app.security import sessions
from app.security.roles import PARENT as PARENT_ROLE
from app.security.throttle import login_throttle
from app.security.views import (
    MarelleAuthDBView, MarelleGroupView, MarellePermissionViewView, MarelleRoleView,
    MarelleUserStatsView, MarelleUserView)

# Who the request acts for, as kept in flask.g by this module, Flask-Login and
# Flask-JWT-Extended: reset as each request starts.
REQUEST_CACHE_KEYS = ("_marelle_user", "_marelle_permissions", "marelle_session_refused",
                      "_marelle_scope",
                      "_login_user", "_jwt_extended_jwt", "_jwt_extended_jwt_header",
                      "_jwt_extended_jwt_user", "_jwt_extended_jwt_location")


class Grants(NamedTuple):
    user: frozenset    # (view, permission) pairs of the user's roles (their groups' included)
    public: frozenset  # pairs of the Public role: what anyone may do without logging in


def reset_request_cache() -> None:
    """Called as each request starts. An app context (and its `g`) can outlive a request (a
    test's context, a job's): a user, token or permission set of one request must never serve
    the next one."""
    for key in REQUEST_CACHE_KEYS:
        g.pop(key, None)


class MarelleSecurityManager(SecurityManager):
    authdbview = MarelleAuthDBView
    userdbmodelview = MarelleUserView
    groupmodelview = MarelleGroupView
    rolemodelview = MarelleRoleView
    permissionviewmodelview = MarellePermissionViewView
    userstatschartview = MarelleUserStatsView

    # -- logins -------------------------------------------------------------------------------

    @property
    def is_auth_limited(self) -> bool:
        # FAB would limit every POST to its login blueprint per address, all attempts counted;
        # Marelle counts failed logins per account and per address, web and API alike.
        return False

    def auth_user_db(self, username, password, audience="staff"):
        """The user these credentials open, for the staff's login or (audience "parent") the
        portal's: a parent's account never opens the back-office or the staff API, and a
        staff account never opens the portal. The wrong side counts as a failed login."""
        user = super().auth_user_db(username, password)
        if user is not None and self.is_parent(user) != (audience == "parent"):
            user = None
        throttle = login_throttle() if has_request_context() else None
        if user is None and throttle is not None:
            throttle.failed(username, request.remote_addr)
        return user

    @staticmethod
    def is_parent(user) -> bool:
        return any(role.name == PARENT_ROLE for role in user.roles)

    def reset_password(self, userid, password):
        """A new password ends the user's other sessions and API tokens; the user changing
        their own password stays logged in on this browser."""
        super().reset_password(userid, password)
        version = sessions.bump_session_version(int(userid))
        self.session.commit()
        if has_request_context() and current_user.is_authenticated \
                and current_user.id == int(userid):
            sessions.open_session(session, version, time.time(),
                                  sessions.account_mark(current_user))

    # -- sessions and tokens ------------------------------------------------------------------

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.additional_claims_loader(self._token_claims)
        return jwt_manager

    def _token_claims(self, identity) -> dict:
        """An API token carries its user's session version and account mark (sessions.py)."""
        user, version = self._user_and_version(int(identity))
        return {"sv": version, "born": sessions.account_mark(user)}

    def _user_and_version(self, pk: int):
        """The user and their session version, in one query, once per request."""
        cached = g.get("_marelle_user") if has_request_context() else None
        if cached is not None and cached[0] == pk:
            return cached[1], cached[2]
        # The staff member's scope (app/security/scopes.py) comes in the same statement.
        scope = [sa.select(sa.func.aggregate_strings(sa.cast(column, sa.String), ","))
                 .where(table.c.user_id == self.user_model.id).scalar_subquery()
                 for table, column in ((staff_scope_school, staff_scope_school.c.school_id),
                                       (staff_scope_service, staff_scope_service.c.service_id))]
        row = self.session.execute(
            sa.select(self.user_model, sa.func.coalesce(UserSessionState.version, 0), *scope)
            .outerjoin(UserSessionState, UserSessionState.user_id == self.user_model.id)
            .where(self.user_model.id == pk)
        ).first()
        user, version, schools, services = row if row is not None else (None, 0, None, None)
        if has_request_context():
            g._marelle_user = (pk, user, version, (schools, services))
        return user, version

    def scope_of(self, user):
        """The scope of the request's user, as `_user_and_version` read it."""
        from app.security.scopes import Scope, scope_of

        cached = g.get("_marelle_user") if has_request_context() else None
        if user is None or cached is None or cached[0] != user.id:
            return scope_of(user.id if user is not None else None)
        ids = [tuple(sorted(int(i) for i in (text or "").split(",") if i)) for text in cached[3]]
        return Scope(*ids)

    def load_user(self, pk):
        """Flask-Login's user loader: the session's user, unless the session has ended
        (logout, password change) or stayed idle too long."""
        try:
            user, version = self._user_and_version(int(pk))
        except (TypeError, ValueError):
            return None
        if user is None or not user.is_active:
            return None
        if not has_request_context():
            return user
        now = time.time()
        refused = sessions.refusal(session, version, now,
                                   current_app.config["SESSION_IDLE_MINUTES"],
                                   sessions.account_mark(user))
        if refused:
            sessions.close_session(session)
            g.marelle_session_refused = refused
            return None
        sessions.touch(session, now)
        return user

    def load_user_jwt(self, _jwt_header, jwt_data):
        user, version = self._user_and_version(int(jwt_data["sub"]))
        if user is None or not user.is_active or jwt_data.get("sv", 0) != version \
                or jwt_data.get("born") != sessions.account_mark(user):
            return None
        g.user = user
        return user

    # -- permissions --------------------------------------------------------------------------

    def _request_user(self):
        """Who this request acts for: the session's user, else a valid bearer token's, else
        nobody. Resolved before FAB's own JWT check so that one query answers both the
        Public role's grants and the user's."""
        if current_user.is_authenticated:
            return current_user._get_current_object()
        if request.headers.get("Authorization", "").startswith("Bearer "):
            try:
                verify_jwt_in_request(optional=True)
            except Exception:  # noqa: BLE001  (FAB's own check answers 401 for a bad token)
                return None
            return current_user_jwt._get_current_object()
        return None

    def _grants(self, user) -> Grants:
        user_id = user.id if user is not None and user.is_authenticated else None
        cached = g.get("_marelle_permissions")
        if cached is not None and cached[0] == user_id:
            return cached[1]
        role = self.role_model
        granted = [sa.select(role.id.label("role_id"), sa.true().label("public"))
                   .where(role.name == self.auth_role_public)]
        if user_id is not None:
            granted += [
                sa.select(assoc_user_role.c.role_id, sa.false())
                .where(assoc_user_role.c.user_id == user_id),
                sa.select(assoc_group_role.c.role_id, sa.false())
                .join(assoc_user_group,
                      assoc_user_group.c.group_id == assoc_group_role.c.group_id)
                .where(assoc_user_group.c.user_id == user_id),
            ]
        roles = sa.union_all(*granted).subquery()
        rows = self.session.execute(
            sa.select(self.viewmenu_model.name, self.permission_model.name, roles.c.public)
            .select_from(self.permissionview_model)
            .join(self.viewmenu_model)
            .join(self.permission_model)
            .join(assoc_permissionview_role,
                  assoc_permissionview_role.c.permission_view_id == self.permissionview_model.id)
            .join(roles, roles.c.role_id == assoc_permissionview_role.c.role_id)
        ).all()
        public = frozenset((view, permission) for view, permission, is_public in rows
                           if is_public)
        mine = frozenset((view, permission) for view, permission, is_public in rows
                         if not is_public) if user_id is not None else public
        grants = Grants(user=mine, public=public)
        g._marelle_permissions = (user_id, grants)
        return grants

    def _answers_from_grants(self) -> bool:
        # Roles declared in config (FAB_ROLES) are not in the database: FAB's way then.
        return has_request_context() and not self.builtin_roles

    def _has_view_access(self, user, permission_name, view_name):
        if not self._answers_from_grants():
            return super()._has_view_access(user, permission_name, view_name)
        return (view_name, permission_name) in self._grants(user).user

    def is_item_public(self, permission_name, view_name):
        if not self._answers_from_grants():
            return super().is_item_public(permission_name, view_name)
        return (view_name, permission_name) in self._grants(self._request_user()).public

    def _get_user_permission_view_menus(self, user, permission_name, view_menus_name):
        if not self._answers_from_grants():
            return super()._get_user_permission_view_menus(
                user, permission_name, view_menus_name)
        grants = self._grants(user)
        pairs = grants.user if user is not None else grants.public
        return {view for view, permission in pairs if permission == permission_name
                and (view_menus_name is None or view in view_menus_name)}
