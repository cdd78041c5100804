"""Background jobs: submitted from a screen, followed by a progress bar and the API."""
import sqlalchemy as sa

from app import jobs
from app.extensions import db
from app.models import BackgroundJob, Person


def test_demo_load_runs_as_a_job_with_progress(app, login, api):
    admin = login("admin")
    response = admin.post("/demo/", data={"children": "25"})
    assert response.status_code == 302
    job_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    page = admin.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'role="progressbar"' in page and "terminé" in page
    status = admin.get(f"/jobs/{job_id}/status").get_json()
    assert status["status"] == "finished" and status["progress"] == 100
    assert status["result"]["children"] == 25
    from_api = api("admin").get(f"/api/v1/job/{job_id}").get_json()
    assert from_api["status"] == "finished" and from_api["result"]["children"] == 25
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Person.kind == "child")) == 25


def test_bad_demo_size_is_refused_in_french(login):
    response = login("admin").post("/demo/", data={"children": "0"})
    assert "Entre 1 et 50 000 enfants." in response.get_data(as_text=True)


def test_someone_elses_job_is_not_found(app, login, api):
    response = login("admin").post("/demo/", data={"children": "3"})
    job_id = response.headers["Location"].rsplit("/", 1)[-1]
    assert login("agent").get(f"/jobs/{job_id}/status").status_code == 404
    assert api("agent").get(f"/api/v1/job/{job_id}").status_code == 404


def test_a_failing_job_is_reported_failed(app):
    @jobs.job("always_fails")
    def always_fails(progress):
        progress(40)
        raise ValueError("bank file unreadable")

    try:
        with app.test_request_context():
            row = jobs.submit("always_fails", {})
            db.session.commit()
            jobs.dispatch(row.id)
            row = db.session.get(BackgroundJob, row.id)
            assert row.status == "failed"
            assert row.error == "ValueError: bank file unreadable"
            assert row.finished_at is not None
    finally:
        jobs.JOBS.pop("always_fails")
