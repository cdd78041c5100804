"""FAB's login/logout screens, with a logout that ends the session on the server.

Logout is a POST with the CSRF token (the navbar's button): a GET could be triggered by any
image tag of another site. GET /logout/ only shows the button."""
from flask import flash, redirect, request, session, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.views import AuthDBView
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from app.extensions import db
from app.security import sessions


class MarelleAuthDBView(AuthDBView):
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
