"""The portal's pages. Each reads through app/services/portal*.py with the logged-in adult's
id: nothing here takes an id without checking that it belongs to this family."""
import io
from datetime import date

from flask import flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.extensions import db
from app.formatting import money
from app.outcome import commit_or_refuse
from app.models import Person
from app.portal import bp
from app.portal.access import forbid_unknown, parent_required
from app.services import (RuleViolation, billing, consents, documents, messaging, portal,
                          portal_bookings)
from app.services.calendar import today_in_town
from app.services.payments import balances
from app.services.portal_texts import text_of


def _parent() -> Person:
    return db.session.get(Person, g.parent_id)


# What parents read of an invoice's state: plainer than the back-office's words.
STATE_WORDS = {"unpaid": _l("To pay"), "partially_paid": _l("Partly paid"), "paid": _l("Paid"),
               "to_remind": _l("Overdue"), "cancelled": _l("Cancelled")}


@bp.app_context_processor
def _portal_globals():
    return {"portal_contact": lambda: text_of("contact"),
            "balance_words": _balance_words,
            "portal_state": lambda state: str(STATE_WORDS.get(state, state)),
            "invoice_due": lambda invoice, settlement: billing.amount_due(invoice, *settlement)}


def _balance_words(balance) -> str:
    """A prepaid account's balance as a parent reads it: in their favour, or to pay."""
    if balance > 0:
        return _("%(amount)s in your favour", amount=money(balance))
    if balance < 0:
        return _("%(amount)s to pay", amount=money(-balance))
    return money(balance)


@bp.app_template_filter("weekday_short")
def _weekday_short(day):
    return format_date(day, "EEE d/MM")


@bp.route("/")
@parent_required
def home():
    today = today_in_town()
    invoices = portal.invoices_of(g.parent_id)
    to_pay = [(i, s, state) for i, s, state in invoices
              if state in ("unpaid", "partially_paid", "to_remind")]
    return render_template(
        "portal/home.html", parent=_parent(), home_text=text_of("home"),
        children=portal.children_details(g.parent_id, today),
        pending=consents.pending_for(g.parent_id, today), to_pay=to_pay,
        accounts=_accounts(), messages=messaging.messages_of(g.parent_id, limit=3))


@bp.route("/messages")
@parent_required
def messages():
    return render_template("portal/messages.html",
                           messages=messaging.messages_of(g.parent_id))


@bp.route("/messages/attachments/<int:attachment_id>")
@parent_required
def message_attachment(attachment_id):
    return messaging.send_attachment(forbid_unknown(
        messaging.attachment_file(attachment_id, g.parent_id)))


def _accounts():
    """[(régie, balance)] of the adult's prepaid accounts, with those not moved yet."""
    known = dict(balances(g.parent_id))
    for regie in portal.prepaid_regies_of(g.parent_id):
        known.setdefault(regie, 0)
    return sorted(known.items(), key=lambda pair: pair[0].code)


@bp.route("/family")
@parent_required
def family():
    return render_template("portal/family.html", parent=_parent(),
                           households=portal.households_of(g.parent_id),
                           children=portal.children_details(g.parent_id, today_in_town()))


# -- bookings ---------------------------------------------------------------------------------


def _week_start(value) -> date:
    try:
        day = date.fromisoformat(value) if value else today_in_town()
    except ValueError:
        day = today_in_town()
    return portal_bookings.monday_of(day)


@bp.route("/bookings")
@parent_required
def bookings():
    children = portal_bookings.children_of(g.parent_id)
    if not children:
        return render_template("portal/bookings.html", children=[], week=None,
                               booking_text=text_of("booking"))
    child_id = str(request.args.get("child") or children[0].id)
    # The parent's own children are already loaded: another id is simply not among them.
    child = forbid_unknown(next((c for c in children if str(c.id) == child_id), None))
    if request.args.get("week"):
        week = portal_bookings.week_for(g.parent_id, child,
                                        _week_start(request.args.get("week")))
    else:
        week = portal_bookings.first_open_week(g.parent_id, child, today_in_town())
    return render_template("portal/bookings.html", children=children, week=week,
                           booking_text=text_of("booking"))


@bp.route("/bookings", methods=["POST"])
@parent_required
def save_bookings():
    monday = _week_start(request.form.get("week"))
    child_id = request.form.get("child")
    forbid_unknown(portal_bookings.child_of(g.parent_id, child_id))
    wanted = portal_bookings.parse_choices(request.form.getlist("day"), monday)
    try:
        result = portal_bookings.save_week(g.parent_id, child_id, monday, wanted)
    except RuleViolation as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        _flash_result(result)
    return redirect(url_for("portal.bookings", child=child_id, week=monday.isoformat()))


def _flash_result(result):
    if result["created"] or result["removed"]:
        parts = []
        if result["created"]:
            parts.append(ngettext("%(num)d day booked", "%(num)d days booked",
                                  result["created"]))
        if result["removed"]:
            parts.append(ngettext("%(num)d day cancelled", "%(num)d days cancelled",
                                  result["removed"]))
        flash(_("Saved: %(changes)s.", changes=", ".join(parts)), "success")
    elif not result["refused"]:
        flash(_("Nothing changed."), "info")
    for service, day, reason in result["refused"]:
        flash(_("%(day)s, %(service)s: not changed. %(reason)s",
                day=format_date(day, "EEE d/MM"), service=service.name, reason=reason),
              "warning")


# -- invoices, payments, account --------------------------------------------------------------


@bp.route("/invoices")
@parent_required
def invoices():
    listed = portal.invoices_of(g.parent_id)
    return render_template("portal/invoices.html", invoices=listed,
                           reminders=portal.reminders_of([i.id for i, _s, _st in listed]))


@bp.route("/invoices/<int:invoice_id>.pdf")
@parent_required
def invoice_pdf(invoice_id):
    from app.pdf.invoices import invoice_pdf as render

    invoice = forbid_unknown(portal.invoice_of(g.parent_id, invoice_id))
    return _attachment(render(invoice), f"facture-{invoice.number or invoice.id}.pdf")


@bp.route("/account")
@parent_required
def account():
    from app.services.accounts import months_of

    return render_template("portal/account.html", parent=_parent(), accounts=_accounts(),
                           months=months_of(g.parent_id)[:12],
                           payments=portal.payments_of(g.parent_id))


@bp.route("/account/<int:regie_id>/<month>.pdf")
@parent_required
def statement(regie_id, month):
    from app.pdf.accounts import statement_pdf
    from app.services.accounts import month_of

    try:
        first_day = date.fromisoformat(f"{month}-01")
    except ValueError:
        first_day = None
    found = forbid_unknown(first_day and month_of(g.parent_id, regie_id, first_day))
    return _attachment(statement_pdf(_parent(), found), f"releve-{month}.pdf")


def _attachment(content: bytes, name: str):
    return send_file(io.BytesIO(content), mimetype="application/pdf", as_attachment=True,
                     download_name=name)


# -- documents and consents -------------------------------------------------------------------


@bp.route("/documents")
@parent_required
def documents_page():
    from app.services import group_documents

    today = today_in_town()
    return render_template("portal/documents.html",
                           own=portal.documents_of(g.parent_id, today),
                           shared=group_documents.visible_to(g.parent_id, today))


@bp.route("/documents/<int:document_id>")
@parent_required
def document(document_id):
    found = forbid_unknown(portal.document_of(g.parent_id, document_id, today_in_town()))
    return _document_file(found)


@bp.route("/shared-documents/<int:document_id>")
@parent_required
def shared_document(document_id):
    from app.services import group_documents

    found = forbid_unknown(next((d for d in group_documents.visible_to(
        g.parent_id, today_in_town()) if d.id == document_id), None))
    return _document_file(found)


def _document_file(document):
    """A document as an attachment named after what the parent read in the list (« Menus de
    décembre.pdf »), not after the file staff uploaded."""
    suffix = documents.download_name(document).rsplit(".", 1)[-1]
    name = "".join(c for c in document.name if c.isalnum() or c in " -_'()").strip()
    return send_file(documents.path_of(document), mimetype=document.content_type,
                     as_attachment=True, download_name=f"{name or 'document'}.{suffix}")


@bp.route("/consents")
@parent_required
def consents_page():
    back_child = request.args.get("child") if request.args.get("back") == "bookings" else None
    return render_template("portal/consents.html", back_child=back_child,
                           pending=consents.pending_for(g.parent_id, today_in_town()),
                           accepted=portal.accepted_consents(g.parent_id))


@bp.route("/consents/<int:consent_id>", methods=["POST"])
@parent_required
def accept_consent(consent_id):
    commit_or_refuse(lambda: consents.accept(g.parent_id, consent_id, today_in_town()),
                     _("Thank you: your consent is recorded."))
    if request.form.get("back_child"):
        # Accepted from the booking page: back to that child's bookings once none is left.
        if not consents.pending_for(g.parent_id, today_in_town()):
            return redirect(url_for("portal.bookings", child=request.form["back_child"]))
        return redirect(url_for("portal.consents_page", back="bookings",
                                child=request.form["back_child"]))
    return redirect(url_for("portal.consents_page"))
