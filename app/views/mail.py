"""« E-mails envoyés » for staff, and « Mot de passe oublié » on the staff login page."""
import logging

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from app.extensions import db
from app.formatting import EMAIL_KIND_LABELS, EMAIL_STATE_LABELS
from app.links import external_url
from app.models import OutgoingEmail
from app.security import acting_user
from app.services import RuleViolation, login_links, mail, recovery, staff

log = logging.getLogger(__name__)
PAGE_SIZE = 50


class SentEmailView(BaseView):
    """Every e-mail Marelle sent or tries to send, with its delivery state."""

    route_base = "/emails"
    default_view = "list"
    base_permissions = ["can_list", "can_show", "can_resend"]

    @expose("/list/")
    @has_access
    def list(self):
        state = request.args.get("state") if request.args.get("state") in EMAIL_STATE_LABELS \
            else None
        kind = (request.args.get("kind") or "").strip()[:40] or None
        # « Familles qui ne reçoivent pas les mails »: one family's e-mails by their address.
        recipient = (request.args.get("recipient") or "").strip().lower()[:254] or None
        page = max(0, request.args.get("page", 0, type=int) or 0)
        query = sa.select(OutgoingEmail)
        if recipient:
            query = query.where(sa.func.lower(OutgoingEmail.recipient).contains(
                recipient, autoescape=True))
        if state:
            query = query.where(OutgoingEmail.state == state)
        if kind:
            query = query.where(OutgoingEmail.kind == kind)
        count = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        emails = db.session.scalars(query.order_by(OutgoingEmail.id.desc())
                                    .limit(PAGE_SIZE).offset(page * PAGE_SIZE)).all()
        kinds = {**EMAIL_KIND_LABELS, **{
            value: value for value in db.session.scalars(
                sa.select(OutgoingEmail.kind).distinct()) if value not in EMAIL_KIND_LABELS}}
        return self.render_template(
            "mail/list.html", title=_("Sent e-mails"), emails=emails, count=count, page=page,
            pages=max(1, -(-count // PAGE_SIZE)), state=state, kind=kind, kinds=kinds,
            recipient=recipient,
            folder_mode=_folder_mode())

    @expose("/show/<int:pk>")
    @has_access
    def show(self, pk):
        email = db.session.get(OutgoingEmail, pk) or abort(404)
        return self.render_template("mail/show.html", title=_("E-mail"), email=email,
                                    folder_mode=_folder_mode(),
                                    private=email.kind in mail.PRIVATE_KINDS)

    @expose("/resend/<int:pk>", methods=["POST"])
    @has_access
    def resend(self, pk):
        db.session.get(OutgoingEmail, pk) or abort(404)
        try:
            # Writing to families again is the e-mail messaging's (the user's « Messagerie »).
            staff.check_channel(acting_user(), "email")
            mail.resend(pk)
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            email = db.session.get(OutgoingEmail, pk)
            if email.state == "sent":
                flash(_("E-mail sent."), "success")
            elif email.state == "failed":
                flash(_("The e-mail failed again: %(reason)s", reason=email.error), "danger")
            else:
                flash(_("E-mail put back in the queue: it is being sent."), "info")
        return redirect(url_for("SentEmailView.show", pk=pk))


def _folder_mode():
    """Where e-mails go instead of a mail server (no MAIL_SERVER), or None."""
    config = current_app.config
    return None if config.get("MAIL_SERVER") else config["MAIL_FOLDER"]


# -- « Mot de passe oublié » -----------------------------------------------------------------

class ForgotPasswordForm(FlaskForm):
    login = StringField(_l("Your e-mail address or login"),
                        validators=[InputRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[InputRequired()])
    confirm = PasswordField(_l("New password again"), validators=[
        InputRequired(), EqualTo("password", message=_l("The two passwords differ."))])


# A new staff member's invitation (app/services/staff.py) leads to the same page.
STAFF_LINKS = ("invitation", "password_reset")


class PasswordRecoveryView(BaseView):
    """Public pages (no login): ask for a link, then choose a password through it."""

    route_base = ""
    default_view = "forgot"

    @expose("/forgot-password", methods=["GET", "POST"])
    def forgot(self):
        form = ForgotPasswordForm()
        if form.validate_on_submit():
            typed = form.login.data.strip()
            wait = recovery.too_many_requests(typed, request.remote_addr)
            if wait:
                minutes = max(1, -(-wait // 60))
                flash(_("Too many requests: try again in %(minutes)d min.", minutes=minutes),
                      "danger")
                response = current_app.make_response(self._forgot_page(form))
                response.status_code = 429
                response.headers["Retry-After"] = str(wait)
                return response
            try:
                recovery.send_password_link(typed, "staff", _reset_link)
                db.session.commit()
            except RuleViolation as exc:
                # The operator's configuration (PUBLIC_URL): logged, the answer stays the same.
                db.session.rollback()
                log.error("staff password link not sent: %s", exc.message)
            return self._forgot_page(form, answered=True)
        return self._forgot_page(form)

    def _forgot_page(self, form, answered=False):
        return self.render_template(
            "security/forgot_password.html", title=_("Forgotten password"), form=form,
            answered=answered,
            hours=login_links.validity_hours("password_reset"))

    @expose("/reset-password/<token>", methods=["GET", "POST"])
    def reset(self, token):
        form = NewPasswordForm()
        try:
            recovery.checked_link(token, STAFF_LINKS, "staff")
        except RuleViolation as exc:
            return self.render_template("security/reset_password.html",
                                        title=_("Choose a new password"), form=None,
                                        refused=exc.message)
        if form.validate_on_submit():
            try:
                recovery.set_password_from_link(token, form.password.data, STAFF_LINKS)
            except RuleViolation as exc:
                db.session.rollback()
                field = form.password if exc.field == "password" else None
                if field is None:
                    return self.render_template("security/reset_password.html",
                                                title=_("Choose a new password"), form=None,
                                                refused=exc.message)
                field.errors = list(field.errors) + [exc.message]
            else:
                db.session.commit()
                flash(_("Your password is saved: log in."), "success")
                return redirect(url_for(current_app.appbuilder.sm.auth_view.__class__.__name__
                                        + ".login"))
        return self.render_template(
            "security/reset_password.html", title=_("Choose a new password"), form=form,
            refused=None, minimum=current_app.config["PASSWORD_MIN_LENGTH"])


def _reset_link(token: str) -> str:
    return external_url("PasswordRecoveryView.reset", token=token)
