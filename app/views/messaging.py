"""« Messages »: write to one family from an adult's record, or to the whole filtered list of
adults, children or households; preview for one recipient; send as a job with a progress bar;
each recipient's delivery state, and the failed ones sent again."""
import sqlalchemy as sa
from flask import (Response, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, URLSafeSerializer

from app import jobs
from app.extensions import db
from app.models import Message, MessageRecipient, OutgoingEmail, Person
from app.security import acting_user
from app.services import RuleViolation, billing, messaging, staff
from app.views.base import list_filter_args

PAGE_SIZE = 100
# The recipients named on the message's form; the preview may be shown for any of them.
SHOWN_RECIPIENTS = 200


def _chosen(value, adult_ids):
    """The recipient the preview is for: the one chosen if they are among the recipients,
    else the first."""
    try:
        wanted = int(value)
    except (TypeError, ValueError):
        wanted = None
    if wanted is not None and wanted in adult_ids:
        return wanted
    return adult_ids[0] if adult_ids else None


def _pdf(template: str, filename: str, **context) -> Response:
    """A letter in French whatever the language of who prints it: families read it."""
    from flask_babel import force_locale

    from app.pdf import html_to_pdf, letterhead

    with force_locale("fr"):
        html = render_template(template, **letterhead(), **context)
    return Response(html_to_pdf(html), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def _serializer():
    return URLSafeSerializer(current_app.secret_key, salt="message-attachments")


def _kept_attachments(token) -> list:
    """The attachments stored at a preview, from the form's signed field: a forged one (naming
    another private file) is ignored."""
    if not token:
        return []
    try:
        kept = _serializer().loads(token)
    except BadSignature:
        return []
    return kept if isinstance(kept, list) else []


def _list_view(appbuilder, source):
    from app.views.registry import AdultView, ChildView, HouseholdView

    wanted = {"adult": AdultView, "child": ChildView, "household": HouseholdView}[source]
    return next(v for v in appbuilder.baseviews if type(v) is wanted)


class MessageView(BaseView):
    route_base = "/messages"
    default_view = "list"
    base_permissions = ["can_list", "can_show", "can_new", "can_retry", "can_unreachable",
                        "can_unreachable_pdf", "can_letters", "can_attachment"]

    def _recipients(self, source):
        """The adults the message goes to: the ids given (a record, ticked rows), else the
        whole filtered list the page came from."""
        if request.values.get("ids"):
            try:
                ids = [int(i) for i in request.values["ids"].split(",") if i.strip()]
            except ValueError:
                abort(400)
        else:
            ids = _list_view(self.appbuilder, source)._filtered_ids()
        return messaging.recipients_of(source, ids)

    @staticmethod
    def _refused_channel(channel):
        """A refusal, on the page the user came from, when their account does not open this
        messaging channel (the user form's « Messagerie »); None when it does."""
        try:
            staff.check_channel(acting_user(), channel)
        except RuleViolation as exc:
            flash(exc.message, "danger")
            back = request.referrer if request.referrer and request.referrer.startswith(
                request.host_url) else url_for("MessageView.list")
            return redirect(back)
        return None

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        source = request.values.get("source", "adult")
        if source not in messaging.SOURCES:
            abort(404)
        refused = self._refused_channel("email")
        if refused is not None:
            return refused
        adult_ids = self._recipients(source)
        preview_for = _chosen(request.form.get("preview_for"), adult_ids)
        subject = request.form.get("subject", "")
        body = request.form.get("body", "")
        problems, shown = {}, None
        kept = _kept_attachments(request.form.get("kept"))
        if request.method == "POST":
            try:
                if request.form.get("preview"):
                    # Files chosen before a preview are kept for the sending: a browser does
                    # not send them again.
                    kept += messaging.store_attachments(request.files.getlist("attachments"))
                    if preview_for is not None:
                        shown = messaging.preview(subject, body, preview_for)
                        shown = (db.session.get(Person, preview_for), *shown)
                else:
                    user = acting_user()
                    message = messaging.create(subject, body, adult_ids,
                                               user.id if user else None,
                                               request.files.getlist("attachments"), kept)
                    row = jobs.submit("send_message", {"message_id": message.id},
                                      created_by_id=user.id if user else None)
                    db.session.commit()
                    jobs.dispatch(row.id)
                    return redirect(url_for("JobView.show", job_id=row.id))
            except RuleViolation as exc:
                db.session.rollback()
                for field, text in exc.problems:
                    problems.setdefault(field or "body", []).append(text)
        with_email = db.session.scalar(sa.select(sa.func.count(Person.id)).where(
            Person.id.in_(adult_ids), sa.func.coalesce(Person.email, "") != "")) \
            if adult_ids else 0
        return self.render_template(
            "messaging/new.html", title=_("Write a message"), source=source,
            ids=request.values.get("ids", ""), filter_args=list_filter_args(),
            count=len(adult_ids), with_email=with_email, subject=subject, body=body,
            problems=problems, shown=shown, variables=messaging.VARIABLES,
            kept=kept, kept_token=_serializer().dumps(kept) if kept else "",
            recipients=messaging.named(adult_ids, SHOWN_RECIPIENTS), preview_for=preview_for), \
            422 if problems else 200

    @expose("/")
    @has_access
    def list(self):
        messages = db.session.scalars(sa.select(Message).order_by(Message.id.desc())
                                      .limit(PAGE_SIZE)).all()
        return self.render_template(
            "messaging/list.html", title=_("Messages"), messages=messages,
            states=messaging.states_of_messages([m.id for m in messages]))

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        message = db.session.get(Message, pk) or abort(404)
        state = request.args.get("state")
        query = (sa.select(MessageRecipient, OutgoingEmail)
                 .outerjoin(OutgoingEmail, OutgoingEmail.id == MessageRecipient.email_id)
                 .where(MessageRecipient.message_id == pk)
                 .options(sa.orm.joinedload(MessageRecipient.person)))
        if state == "no_email":
            query = query.where(MessageRecipient.email_id.is_(None))
        elif state in ("sent", "failed", "queued"):
            query = query.where(OutgoingEmail.state == state)
        # What needs doing first: the failed, then those without an address.
        first = sa.case((OutgoingEmail.state == "failed", 0),
                        (MessageRecipient.email_id.is_(None), 1), else_=2)
        rows = db.session.execute(query.order_by(first, MessageRecipient.id).limit(1000)).all()
        return self.render_template("messaging/show.html", title=message.subject,
                                    message=message, rows=rows, state=state,
                                    states=messaging.states_of(pk),
                                    sender=messaging.sender_name(message))

    @expose("/attachments/<int:attachment_id>")
    @has_access
    def attachment(self, attachment_id):
        found = messaging.attachment_file(attachment_id)
        return messaging.send_attachment(found) if found else abort(404)

    @expose("/unreachable")
    @has_access
    def unreachable(self):
        """« Familles qui ne reçoivent pas les mailings »."""
        count, rows = messaging.unreachable_adults()
        return self.render_template("messaging/unreachable.html", count=count, rows=rows,
                                    title=_("Families e-mail does not reach"))

    @expose("/unreachable.pdf")
    @has_access
    def unreachable_pdf(self):
        """That list on paper, with each family's postal address: to post them the letters."""
        refused = self._refused_channel("letter")
        if refused is not None:
            return refused
        count, rows = messaging.unreachable_adults(limit=None)
        return _pdf("pdf/unreachable.html", "familles-sans-e-mail.pdf", rows=rows,
                    count=count, addresses=billing.postal_addresses([p.id for p, _why in rows]))

    @expose("/<int:pk>/letters.pdf")
    @has_access
    def letters(self, pk):
        """The message printed for each recipient no e-mail reached, one page each."""
        message = db.session.get(Message, pk) or abort(404)
        refused = self._refused_channel("letter")
        if refused is not None:
            return refused
        copies = messaging.unreached_copies(pk)
        if not copies:
            flash(_("Every recipient received this message by e-mail: nothing to print."),
                  "info")
            return redirect(url_for("MessageView.show", pk=pk))
        return _pdf("pdf/message_letters.html", f"message-{pk}.pdf", message=message,
                    copies=copies)

    @expose("/<int:pk>/retry", methods=["POST"])
    @has_access
    def retry(self, pk):
        db.session.get(Message, pk) or abort(404)
        refused = self._refused_channel("email")
        if refused is not None:
            return refused
        count = messaging.retry_failed(pk)
        db.session.commit()
        flash(ngettext("%(num)s e-mail sent again.", "%(num)s e-mails sent again.", count)
              if count else _("No e-mail of this message failed."),
              "success" if count else "info")
        return redirect(url_for("MessageView.show", pk=pk))
