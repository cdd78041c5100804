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
from app.services import RuleViolation, messaging
from app.views.base import list_filter_args

PAGE_SIZE = 100


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
                        "can_letters"]

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

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        source = request.values.get("source", "adult")
        if source not in messaging.SOURCES:
            abort(404)
        adult_ids = self._recipients(source)
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
                    if adult_ids:
                        shown = messaging.preview(subject, body, adult_ids[0])
                        shown = (db.session.get(Person, adult_ids[0]), *shown)
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
            first=db.session.get(Person, adult_ids[0]) if adult_ids else None), \
            422 if problems else 200

    @expose("/")
    @has_access
    def list(self):
        messages = db.session.scalars(sa.select(Message).order_by(Message.id.desc())
                                      .limit(PAGE_SIZE)).all()
        return self.render_template(
            "messaging/list.html", title=_("Messages"), messages=messages,
            states={m.id: messaging.states_of(m.id) for m in messages})

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
        rows = db.session.execute(query.order_by(MessageRecipient.id).limit(1000)).all()
        return self.render_template("messaging/show.html", title=message.subject,
                                    message=message, rows=rows, state=state,
                                    states=messaging.states_of(pk))

    @expose("/unreachable")
    @has_access
    def unreachable(self):
        """« Familles qui ne reçoivent pas les mailings »."""
        count, rows = messaging.unreachable_adults()
        return self.render_template("messaging/unreachable.html", count=count, rows=rows,
                                    title=_("Families e-mail does not reach"))

    @expose("/<int:pk>/letters.pdf")
    @has_access
    def letters(self, pk):
        """The message printed for each recipient no e-mail reached, one page each."""
        from flask_babel import force_locale

        from app.pdf import html_to_pdf

        message = db.session.get(Message, pk) or abort(404)
        copies = messaging.unreached_copies(pk)
        if not copies:
            flash(_("Every recipient received this message by e-mail: nothing to print."),
                  "info")
            return redirect(url_for("MessageView.show", pk=pk))
        with force_locale("fr"):
            document = html_to_pdf(render_template("pdf/message_letters.html",
                                                   message=message, copies=copies))
        return Response(document, mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="message-{pk}.pdf"'})

    @expose("/<int:pk>/retry", methods=["POST"])
    @has_access
    def retry(self, pk):
        db.session.get(Message, pk) or abort(404)
        count = messaging.retry_failed(pk)
        db.session.commit()
        flash(ngettext("%(num)s e-mail sent again.", "%(num)s e-mails sent again.", count)
              if count else _("No e-mail of this message failed."),
              "success" if count else "info")
        return redirect(url_for("MessageView.show", pk=pk))
