"""Documents attached to people: checked by content, stored outside the web root."""
import io
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import gettext as _

from app.extensions import db
from app.models import Document
from app.services import RuleViolation
from app.services.registry import ensure_editable
from app.services.storage import private_folder, write_private


def check_portal_dates(start, end):
    if start and end and end < start:
        raise RuleViolation(
            _("The end of portal availability must not be before its start."), "portal_until"
        )


def path_of(document) -> str:
    """Where the file of a person's or a group's document is kept."""
    return str(private_folder() / document.storage_name)


def download_name(document) -> str:
    """The uploader's file name with the extension of the type found in the file: a PDF
    sent as `poly.html` downloads as `poly.pdf`, never as a page a browser would render."""
    stem = Path(document.original_filename).stem.strip() or Path(document.storage_name).stem
    return f"{stem}{Path(document.storage_name).suffix}"


@dataclass(frozen=True)
class StoredFile:
    """An upload accepted and written to private storage, ready to be described by a row."""

    original_filename: str
    content_type: str
    size: int
    storage_name: str


def store_upload(upload) -> StoredFile:
    """Check an uploaded file's size and its real type, then store it privately.

    The type comes from the file's first bytes, never from its name or the browser's claim:
    a script renamed `.pdf` is refused. Person documents and group documents both go
    through here, so that one check guards every upload.
    """
    if upload is None or not getattr(upload, "filename", ""):
        raise RuleViolation(_("Choose a file to upload."), "file")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    content = upload.read(limit + 1)
    if not content:
        raise RuleViolation(_("The file is empty."), "file")
    if len(content) > limit:
        raise RuleViolation(
            _("The file is too large (%(size)s MB at most).", size=limit // (1024 * 1024)), "file"
        )
    allowed = current_app.config["ALLOWED_UPLOAD_TYPES"]
    kind = filetype.guess(content)
    if kind is None or kind.mime not in allowed:
        raise RuleViolation(
            _("This file type is not accepted: send a PDF, JPEG or PNG file."), "file"
        )
    storage_name = f"{secrets.token_hex(16)}.{allowed[kind.mime]}"
    write_private(private_folder() / storage_name, content)
    original = os.path.basename(upload.filename.replace("\\", "/"))[:255] or storage_name
    return StoredFile(original_filename=original, content_type=kind.mime, size=len(content),
                      storage_name=storage_name)


def checked_name(name) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise RuleViolation(_("The document name is required."), "name")
    return name


def attach(person, upload, name, description=None, portal_from=None, portal_until=None,
           uploaded_by_id=None) -> Document:
    """Store an uploaded file for a person (checked by `store_upload`)."""
    ensure_editable(person)
    name = checked_name(name)
    check_portal_dates(portal_from, portal_until)
    stored = store_upload(upload)
    document = Document(
        person=person,
        name=name,
        description=(description or "").strip() or None,
        portal_from=portal_from,
        portal_until=portal_until,
        uploaded_by_id=uploaded_by_id,
        **asdict(stored),
    )
    db.session.add(document)
    db.session.flush()
    return document


class _Generated(io.BytesIO):
    """A document Marelle made (a letter, a certificate), handed to `attach` like an upload."""

    def __init__(self, content: bytes, filename: str):
        super().__init__(content)
        self.filename = filename


def attach_generated(person, content: bytes, filename: str, name: str, **kwargs) -> Document:
    """Save a PDF Marelle produced into a person's documents, checked like any upload."""
    return attach(person, _Generated(content, filename), name, **kwargs)


def remove_file(document) -> None:
    remove_path(path_of(document))


def remove_path(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def save_generated_batch(items, portal_from, uploaded_by_id=None) -> dict:
    """« Enregistrer dans les fiches » for a batch: `items` are (key, person id, pdf, file
    name, document name); each PDF goes into its person's documents, on the portal from
    `portal_from`, except an archived person's (a read-only record: the document is in the
    printed PDF only). Returns {key: document id} of those saved."""
    import sqlalchemy as sa

    from app.models import Person
    from app.services import bulk

    items = list(items)
    people = {p.id: p for p in db.session.scalars(sa.select(Person).where(
        bulk.among(Person.id, {item[1] for item in items})))}
    saved = {}
    for key, person_id, pdf, filename, name in items:
        person = people.get(person_id)
        if person is None or person.archived:
            continue
        saved[key] = attach_generated(person, pdf, filename, name, portal_from=portal_from,
                                      uploaded_by_id=uploaded_by_id).id
    return saved


def announce(recipients, template: str, kind: str) -> int:
    """« Envoyer une notification »: an e-mail from `template` to each (person id, context)
    saying a document is in their documents on the portal (`portal`, the documents page, and
    `name`, their first name, are added to the context). People without an address, or
    whose address cannot receive mail, are skipped: the printed copy remains. Returns how
    many e-mails were queued."""
    import sqlalchemy as sa

    from app.links import external_url
    from app.models import Person
    from app.services import bulk, mail

    recipients = list(recipients)
    try:
        portal = external_url("portal.documents_page")
    except RuleViolation:
        portal = None
    people = {p.id: p for p in db.session.scalars(sa.select(Person).where(
        bulk.among(Person.id, {person_id for person_id, _context in recipients})))}
    queued = 0
    for person_id, context in recipients:
        person = people.get(person_id)
        if person is None or not person.email:
            continue
        subject, text, html = mail.render(template, name=person.first_name, portal=portal,
                                          **context)
        try:
            mail.queue_email(person.email, subject, text, html, kind=kind, person_id=person.id)
        except RuleViolation:
            continue
        queued += 1
    return queued
