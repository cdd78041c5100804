"""Messages to families (the FAQ's « envoyer un message à une famille / à plusieurs familles »).

Staff write one text with {variables} — {prenom}, {nom}, {foyer}, {enfants}, {solde},
{reste_a_payer}, {email} — for the adults of an adult's record or of a whole filtered list of
adults, children (their guardians) or households (their adult members). A variable the text
does not know is refused before anything is written; literal braces are doubled ({{ }}).

`create` writes the message and each recipient's copy, variables filled in from a few bulk
queries (never one per family); the `send_message` job then sends the copies through one SMTP
connection, each with its own delivery state (its e-mail's); an adult without an e-mail
address keeps the copy on the portal only. A failing recipient never stops the others, and
failed ones can be sent again."""
import dataclasses
import string
from collections import defaultdict
from decimal import Decimal
from pathlib import PurePath

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.formatting import money
from app.models import (AccountEntry, Guardianship, Household, HouseholdMember, Message,
                        MessageAttachment, MessageRecipient, OutgoingEmail, Person)
from app.services import RuleViolation, billing, bulk, mail
from app.services.calendar import now_in_town
from app.services.documents import store_upload

VARIABLES = {
    "prenom": _l("the adult's first name"),
    "nom": _l("the adult's last name"),
    "foyer": _l("their household's name"),
    "enfants": _l("their children's first names"),
    "solde": _l("their prepaid accounts' balance"),
    "reste_a_payer": _l("what their validated invoices still ask"),
    "email": _l("their e-mail address"),
}
SOURCES = ("adult", "child", "household")
MAX_SUBJECT = 250
MAX_BODY = 20000


def fields_of(text: str) -> list:
    """The {variables} a text uses, in order; refuses unbalanced braces. A field with a
    conversion or a format ({prenom!r}, {prenom:>99999999}) comes back whole, so that it is
    refused as unknown: a variable is only ever replaced by its value."""
    try:
        parsed = list(string.Formatter().parse(text or ""))
    except ValueError as exc:
        raise RuleViolation(_("A brace is not closed: write {{ and }} for a brace itself "
                              "(%(reason)s).", reason=str(exc)), "body") from exc
    return [name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            for _literal, name, spec, conversion in parsed if name is not None]


def check_texts(subject: str, body: str) -> None:
    """Refuse, before anything is sent, an empty text or a variable the message cannot fill."""
    problems = []
    subject = " ".join((subject or "").split())
    if not subject:
        problems.append(("subject", _("Give the message a subject.")))
    elif len(subject) > MAX_SUBJECT:
        problems.append(("subject", _("%(max)s characters at most.", max=MAX_SUBJECT)))
    if not (body or "").strip():
        problems.append(("body", _("Write the message.")))
    elif len(body) > MAX_BODY:
        problems.append(("body", _("%(max)s characters at most.", max=MAX_BODY)))
    for field, text in (("subject", subject), ("body", body or "")):
        try:
            unknown = [name for name in fields_of(text) if name not in VARIABLES]
        except RuleViolation as exc:
            problems.append((field, exc.message))
            continue
        if unknown:
            problems.append((field, _(
                "Unknown variable: %(names)s. The variables are %(known)s.",
                names=", ".join("{%s}" % name for name in dict.fromkeys(unknown)),
                known=", ".join("{%s}" % name for name in VARIABLES))))
    if problems:
        from app.services import RuleViolations

        raise RuleViolations(problems)


def recipients_of(source: str, ids) -> list:
    """The adults a message goes to, from the records of a list: adults themselves, the
    guardians of children, the adult members of households. Archived adults are left out."""
    ids = [int(i) for i in ids]
    if source not in SOURCES:
        raise ValueError(source)
    if source == "adult":
        query = sa.select(Person.id).where(bulk.among(Person.id, ids))
    elif source == "child":
        # The children first, through the staff member's scope: an out-of-scope child's
        # guardians are not reached by naming the child's id.
        ids = db.session.scalars(sa.select(Person.id).where(
            bulk.among(Person.id, ids), Person.kind == "child")).all()
        query = (sa.select(Person.id).join(Guardianship, Guardianship.adult_id == Person.id)
                 .where(bulk.among(Guardianship.child_id, ids)))
    else:
        query = (sa.select(Person.id).join(HouseholdMember, HouseholdMember.person_id == Person.id)
                 .where(bulk.among(HouseholdMember.household_id, ids)))
    return sorted(set(db.session.scalars(query.where(Person.kind == "adult",
                                                      Person.archived_at.is_(None)))))


def values_for(adult_ids) -> dict:
    """{adult id: {variable: text}} for every adult, in a handful of queries."""
    adult_ids = list(adult_ids)
    people = {p.id: p for p in db.session.scalars(
        sa.select(Person).where(bulk.among(Person.id, adult_ids)))}
    homes = defaultdict(list)
    for person_id, name in db.session.execute(
            sa.select(HouseholdMember.person_id, Household.name).join(Household)
            .where(bulk.among(HouseholdMember.person_id, adult_ids)).order_by(Household.name)):
        homes[person_id].append(name)
    children = defaultdict(list)
    for adult_id, first in db.session.execute(
            sa.select(Guardianship.adult_id, Person.first_name)
            .join(Person, Person.id == Guardianship.child_id)
            .where(bulk.among(Guardianship.adult_id, adult_ids), Person.archived_at.is_(None))
            .order_by(Person.first_name)):
        children[adult_id].append(first)
    balances = dict(db.session.execute(
        sa.select(AccountEntry.adult_id, sa.func.sum(AccountEntry.amount))
        .where(bulk.among(AccountEntry.adult_id, adult_ids)).group_by(AccountEntry.adult_id)).all())
    due = billing.due_by_payer(adult_ids)
    return {pid: {
        "prenom": person.first_name, "nom": person.last_name.upper(),
        "foyer": ", ".join(homes.get(pid, [])), "enfants": ", ".join(children.get(pid, [])),
        "solde": money(Decimal(balances.get(pid) or 0)), "reste_a_payer": money(due[pid]),
        "email": person.email or "",
    } for pid, person in people.items()}


def fill(text: str, values: dict) -> str:
    return (text or "").format_map(values)


def preview(subject: str, body: str, adult_id: int) -> tuple:
    """(subject, body) as this adult will read them."""
    check_texts(subject, body)
    values = values_for([adult_id]).get(adult_id)
    if values is None:
        raise RuleViolation(_("This adult does not exist."))
    return fill(" ".join(subject.split()), values), fill(body, values)


def store_attachments(uploads) -> list:
    """Check and store the files attached to a message (before it is written, so that a
    preview keeps them): [{"original_filename", "content_type", "size", "storage_name"}]."""
    stored = []
    for upload in uploads:
        if upload is not None and getattr(upload, "filename", ""):
            kept = dataclasses.asdict(store_upload(upload))
            # The name families' mail programs open it by says what it really is: a PDF
            # named evil.html goes as evil.pdf.
            stem = PurePath(kept["original_filename"]).stem or "piece-jointe"
            kept["original_filename"] = f"{stem}{PurePath(kept['storage_name']).suffix}"
            stored.append(kept)
    return stored


def create(subject: str, body: str, adult_ids, created_by_id=None, uploads=(),
           stored=()) -> Message:
    """The message and each adult's copy, variables filled in. Sending is the job's.
    `stored`: attachments already stored (`store_attachments`, kept across a preview)."""
    check_texts(subject, body)
    adult_ids = list(dict.fromkeys(adult_ids))
    if not adult_ids:
        raise RuleViolation(_("Nobody to write to: the list has no adult to reach."))
    subject = " ".join(subject.split())
    message = Message(subject=subject, body=body, created_by_id=created_by_id,
                      created_at=now_in_town())
    for kept in [*stored, *store_attachments(uploads)]:
        message.attachments.append(MessageAttachment(**kept))
    db.session.add(message)
    db.session.flush()
    values = values_for(adult_ids)
    db.session.execute(sa.insert(MessageRecipient), [
        {"message_id": message.id, "person_id": pid,
         "subject": fill(subject, values[pid])[:MAX_SUBJECT], "body": fill(body, values[pid])}
        for pid in adult_ids if pid in values])
    db.session.flush()
    return message


def _attachments_of(message: Message) -> list:
    return [{"storage_name": a.storage_name, "filename": a.original_filename,
             "content_type": a.content_type} for a in message.attachments]


def queue_copies(message_id: int, recipient_ids) -> list:
    """An e-mail (not dispatched: the job sends it) for each of these copies whose adult has
    an address; returns the e-mail ids. A copy to an address that cannot receive mail keeps
    no e-mail: it reads « pas d'adresse e-mail »."""
    message = db.session.get(Message, message_id)
    attachments = _attachments_of(message)
    rows = db.session.execute(
        sa.select(MessageRecipient, Person.email)
        .join(Person, Person.id == MessageRecipient.person_id)
        .where(bulk.among(MessageRecipient.id, list(recipient_ids)))).all()
    queued = []
    for copy, address in rows:
        if not (address or "").strip():
            continue
        try:
            email = mail.queue_email(address, copy.subject, copy.body, kind="message",
                                     person_id=copy.person_id, attachments=attachments,
                                     dispatch=False)
        except RuleViolation:
            continue
        copy.email_id = email.id
        queued.append(email.id)
    db.session.flush()
    return queued


def states_of(message_id: int) -> dict:
    """{state: count} of a message's copies: sent, queued, failed, no_email."""
    return states_of_messages([message_id])[message_id]


def states_of_messages(message_ids) -> dict:
    """{message id: {state: count}} for a page of messages, in one query."""
    # A plain text, not the e-mail state's enum type: "no_email" is none of its values.
    state = sa.func.coalesce(sa.cast(OutgoingEmail.state, sa.String(32)), "no_email")
    found = {message_id: {} for message_id in message_ids}
    for message_id, name, count in db.session.execute(
            sa.select(MessageRecipient.message_id, state, sa.func.count())
            .select_from(MessageRecipient)
            .outerjoin(OutgoingEmail, OutgoingEmail.id == MessageRecipient.email_id)
            .where(bulk.among(MessageRecipient.message_id, list(message_ids)))
            .group_by(MessageRecipient.message_id, state)):
        found[message_id][name] = count
    return found


def failed_copies(message_id: int) -> list:
    return db.session.scalars(
        sa.select(MessageRecipient.email_id)
        .join(OutgoingEmail, OutgoingEmail.id == MessageRecipient.email_id)
        .where(MessageRecipient.message_id == message_id,
               OutgoingEmail.state == "failed")).all()


def retry_failed(message_id: int) -> int:
    """Send the failed copies again (after the commit, with the usual retries)."""
    ids = failed_copies(message_id)
    for email_id in ids:
        mail.resend(email_id)
    return len(ids)


def messages_of(adult_id: int, limit: int = 50) -> list:
    """The copies an adult received, newest first, with their e-mail (the portal's
    « Messages », the « Messagerie » of the adult's record)."""
    return db.session.execute(
        sa.select(MessageRecipient, Message.created_at)
        .join(Message, Message.id == MessageRecipient.message_id)
        .options(sa.orm.joinedload(MessageRecipient.email),
                 sa.orm.selectinload(MessageRecipient.message).selectinload(Message.attachments))
        .where(MessageRecipient.person_id == adult_id)
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)).tuples().all()


def attachment_file(attachment_id: int, adult_id=None):
    """(attachment, its file's path) — for a parent (`adult_id`) only if the message was sent
    to them; None otherwise."""
    from app.models import MessageAttachment
    from app.services.storage import private_folder

    attachment = db.session.get(MessageAttachment, attachment_id)
    if attachment is None:
        return None
    if adult_id is not None and db.session.scalar(sa.select(MessageRecipient.id).where(
            MessageRecipient.message_id == attachment.message_id,
            MessageRecipient.person_id == adult_id).limit(1)) is None:
        return None
    return attachment, private_folder() / attachment.storage_name


def send_attachment(found):
    """The attachment as a download named as it was attached."""
    from flask import send_file

    attachment, path = found
    return send_file(path, mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.original_filename)


def unreached_copies(message_id: int) -> list:
    """[(copy, adult, address lines)] of the copies no e-mail delivered: no address, or the
    e-mail failed. Staff print them (the FAQ's « familles qui ne reçoivent pas les mailings »)."""
    rows = db.session.execute(
        sa.select(MessageRecipient, Person)
        .join(Person, Person.id == MessageRecipient.person_id)
        .outerjoin(OutgoingEmail, OutgoingEmail.id == MessageRecipient.email_id)
        .where(MessageRecipient.message_id == message_id,
               sa.or_(MessageRecipient.email_id.is_(None), OutgoingEmail.state == "failed"))
        .order_by(Person.search_name)).all()
    found = billing.postal_addresses([person.id for _copy, person in rows])
    return [(copy, person, found.get(person.id, [])) for copy, person in rows]


def named(adult_ids, limit: int) -> list:
    """The first recipients by name, [(id, « MARTIN Claire »)]: who the message goes to, shown
    on its form before it is sent."""
    if not adult_ids:
        return []
    return db.session.execute(
        sa.select(Person.id, Person.last_name, Person.first_name)
        .where(bulk.among(Person.id, list(adult_ids)))
        .order_by(Person.search_name).limit(limit)).tuples().all()


def sender_name(message) -> str:
    """Who sent a message, as staff name each other (« Claire Durand »); "" when the account
    is gone."""
    from flask import current_app

    user = current_app.appbuilder.sm.get_user_by_id(message.created_by_id) \
        if message.created_by_id else None
    return " ".join(filter(None, (user.first_name, user.last_name))) if user else ""


def unreachable_adults(limit: int | None = 500) -> tuple:
    """(count, [(adult, why)]) of the adults e-mail does not reach: no address, or their last
    e-mail failed (its reason)."""
    latest = (sa.select(OutgoingEmail.person_id, sa.func.max(OutgoingEmail.id).label("last"))
              .where(OutgoingEmail.person_id.is_not(None))
              .group_by(OutgoingEmail.person_id).subquery())
    last_email = sa.orm.aliased(OutgoingEmail)
    query = (sa.select(Person, last_email)
             .outerjoin(latest, latest.c.person_id == Person.id)
             .outerjoin(last_email, last_email.id == latest.c.last)
             .where(Person.kind == "adult", Person.archived_at.is_(None),
                    sa.or_(sa.func.coalesce(Person.email, "") == "",
                           last_email.state == "failed")))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(Person.search_name).limit(limit)).all()
    return count, [(person, (_("Last e-mail failed: %(reason)s", reason=email.error or "")
                             if email is not None and email.state == "failed" and person.email
                             else _("No e-mail address")))
                   for person, email in rows]
