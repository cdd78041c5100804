"""Documents on a person's record: named by their real type, signed by their uploader, and
kept out of other system users' reach."""
import io
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Document
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def person(app):
    with app.test_request_context():
        _, (mother,), _ = factories.household("Dépôt")
        db.session.commit()
        return mother.id


def upload(login, person, filename, username="agent"):
    client = login(username)
    response = client.post(f"/documentview/upload/{person}", data={
        "file": (io.BytesIO(PDF), filename), "name": "Polycopié"},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    document = db.session.scalars(sa.select(Document).where(
        Document.person_id == person).order_by(Document.id.desc())).first()
    return client, document


def test_the_download_keeps_the_real_type_in_its_name(session, login, person):
    client, document = upload(login, person, "poly.html")
    download = client.get(f"/documentview/download/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == "attachment; filename=poly.pdf"
    _, nameless = upload(login, person, ".html")
    assert client.get(f"/documentview/download/{nameless.id}").headers[
        "Content-Disposition"].endswith(".pdf")


def test_the_uploader_is_recorded(app, session, login, person):
    _, document = upload(login, person, "attestation.pdf", username="agent")
    agent = app.appbuilder.sm.find_user(username="agent")
    assert document.uploaded_by_id == agent.id


def test_stored_files_are_private(app, session, login, person):
    folder = Path(app.config["UPLOAD_DIR"])
    folder.chmod(0o755)  # as a default umask leaves a folder created by hand
    _, document = upload(login, person, "attestation.pdf")
    stored = folder / document.storage_name
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
