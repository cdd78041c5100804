"""« Accès au portail » of an adult: staff open the parent's login (their e-mail), send or
produce a fresh link to choose a password (the vendor asks towns to phone them for that),
change the login with the e-mail, lock, unlock or delete it. The page says the login's state
and its last link's."""
import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import format_datetime
from flask_babel import gettext as _

from app.extensions import db
from app.links import external_url
from app.models import OutgoingEmail, Person
from app.services import RuleViolation, login_links, portal_accounts
from app.services.calendar import TOWN_TZ, now_in_town
from app.views.base import adult_or_404

OPERATIONS = ("open", "send", "link", "email", "lock", "unlock", "close")


def _link_words(link):
    """The last link's state, as staff answer a parent on the phone."""
    if link is None:
        return _("No link sent yet.")
    moment = lambda value: format_datetime(value.astimezone(TOWN_TZ), "dd/MM/yyyy 'à' HH:mm")
    if link.used_at is not None:
        return _("Last link used or replaced on %(moment)s.", moment=moment(link.used_at))
    if link.expires_at <= now_in_town():
        return _("Last link expired on %(moment)s.", moment=moment(link.expires_at))
    return _("Last link valid until %(moment)s.", moment=moment(link.expires_at))


def portal_link_for(token: str) -> str:
    return external_url("portal.password", token=token)


class PortalAccessView(BaseView):
    route_base = "/portal_access"
    default_view = "show"
    base_permissions = ["can_show", "can_manage"]

    def _adult(self, pk) -> Person:
        return adult_or_404(pk)

    def _page(self, adult, produced_link=None, email_typed=None):
        account = portal_accounts.account_of(adult.id)
        user = portal_accounts.user_of(account) if account else None
        return self.render_template(
            "registry/portal_access.html", adult=adult, account=account, user=user,
            state=portal_accounts.state_of(account), states=portal_accounts.STATES,
            last_link=_link_words(login_links.state_of(account.user_id)) if account else None,
            produced_link=produced_link, email_typed=email_typed,
            last_email=db.session.scalar(
                sa.select(OutgoingEmail).where(OutgoingEmail.person_id == adult.id)
                .order_by(OutgoingEmail.id.desc()).limit(1)),
            title=_("Portal access: %(name)s", name=adult.display_name))

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        return self._page(self._adult(pk))

    @expose("/<int:pk>/<operation>", methods=["POST"])
    @has_access
    def manage(self, pk, operation):
        if operation not in OPERATIONS:
            abort(404)
        adult = self._adult(pk)
        email = request.form.get("email")
        produced = None
        try:
            if operation == "open":
                portal_accounts.open_account(adult, email)
                portal_accounts.send_link(adult, portal_link_for)
                message = _("Portal access opened: an e-mail invites %(name)s to choose a "
                            "password.", name=adult.display_name)
            elif operation == "send":
                portal_accounts.send_link(adult, portal_link_for)
                message = _("A new link is on its way to %(email)s; earlier links no longer "
                            "work.", email=adult.email)
            elif operation == "link":
                produced = portal_link_for(portal_accounts.new_link(adult))
                message = _("Here is a new link for %(name)s; earlier links no longer work.",
                            name=adult.display_name)
            elif operation == "email":
                portal_accounts.change_login(adult, email)
                message = _("The login is now %(email)s.", email=adult.email)
            elif operation in ("lock", "unlock"):
                portal_accounts.set_locked(adult, operation == "lock")
                message = _("Portal access locked.") if operation == "lock" \
                    else _("Portal access unlocked.")
            else:
                portal_accounts.close_account(adult)
                message = _("Portal access deleted.")
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return self._page(self._adult(pk), email_typed=email), 422
        db.session.commit()
        flash(message, "success")
        if produced:
            return self._page(adult, produced_link=produced)
        return redirect(url_for("PortalAccessView.show", pk=pk))
