"""FAB's security manager, with each request's permission checks answered from one query.

FAB asks the database once per `has_access` call; a page with a menu asks some thirty times.
Here the (view, permission) pairs of the user's roles are read once per request and kept in
`flask.g`, so the cost no longer grows with the menu or the number of buttons on a page."""
import sqlalchemy as sa
from flask import g, has_request_context
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role


class MarelleSecurityManager(SecurityManager):
    def _permission_pairs(self, user):
        cached = getattr(g, "_marelle_permissions", None)
        if cached is not None and cached[0] == user.id:
            return cached[1]
        role_ids = [role.id for role in self.get_user_roles(user)]
        pairs = set(self.session.execute(
            sa.select(self.viewmenu_model.name, self.permission_model.name)
            .select_from(self.permissionview_model)
            .join(self.viewmenu_model)
            .join(self.permission_model)
            .join(assoc_permissionview_role,
                  assoc_permissionview_role.c.permission_view_id == self.permissionview_model.id)
            .where(assoc_permissionview_role.c.role_id.in_(role_ids))
        ).all()) if role_ids else set()
        g._marelle_permissions = (user.id, pairs)
        return pairs

    def _has_view_access(self, user, permission_name, view_name):
        if not has_request_context() or self.builtin_roles:
            return super()._has_view_access(user, permission_name, view_name)
        return (view_name, permission_name) in self._permission_pairs(user)
