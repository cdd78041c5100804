"""Background jobs.

A job is a plain function registered with @job. `submit` records a BackgroundJob row; once the
caller has committed, `dispatch` hands it to an RQ worker when REDIS_URL is set, or runs it
in-process otherwise (a thread, or synchronously when JOBS_SYNC is set, as in tests). Either
way `execute` runs it and keeps status and progress in the row, where the UI and API read them.
"""
import logging
import threading

import sqlalchemy as sa
import traceback
import uuid

from flask import current_app, has_app_context

from app.extensions import db, get_queue
from app.models import BackgroundJob
from app.models.base import utcnow

log = logging.getLogger(__name__)
JOBS = {}


def job(name):
    def register(func):
        JOBS[name] = func
        return func

    return register


class Progress:
    """Handed to a job function: call it with a percentage (and an optional message)."""

    def __init__(self, row: BackgroundJob):
        self.row = row
        self.last = -1

    def __call__(self, percent: int, message: str = None):
        """Record progress and commit what the job did so far: for jobs whose work is
        consistent at each step (the demo loader)."""
        if self._update(percent, message):
            self.row.progress = self.last
            if message:
                self.row.message = message[:250]
            db.session.commit()

    def report_only(self, percent: int, message: str = None):
        """Record progress without committing the job's own work, for jobs that must land
        whole or not at all (billing): the figure goes to RQ's meta and to a separate
        connection's row update."""
        if not self._update(percent, message) or db.engine.dialect.name == "sqlite":
            # SQLite has one writer at a time: the job's transaction holds it until the end.
            return
        row_id = self.row.id
        try:
            with db.engine.connect() as connection:
                connection.execute(sa.update(BackgroundJob).where(BackgroundJob.id == row_id)
                                   .values(progress=self.last))
                connection.commit()
        except sa.exc.OperationalError:
            log.warning("progress of job %s not recorded", row_id)

    def _update(self, percent, message=None) -> bool:
        """Note the figure and give it to RQ. The row is left alone here: a job that has not
        committed must not touch it in its own transaction, or the side connection of
        `report_only` would wait for that transaction's lock forever."""
        percent = max(0, min(100, int(percent)))
        if percent == self.last and not message:
            return False
        self.last = percent
        try:
            from rq import get_current_job

            rq_job = get_current_job()
            if rq_job is not None:
                rq_job.meta["progress"] = percent
                rq_job.save_meta()
        except Exception:  # progress in RQ's meta is a courtesy; the row is the record
            pass
        return True


def submit(name: str, params: dict, created_by_id=None) -> BackgroundJob:
    if name not in JOBS:
        raise KeyError(name)
    row = BackgroundJob(id=str(uuid.uuid4()), name=name, params=params, status="queued",
                        progress=0, created_by_id=created_by_id)
    db.session.add(row)
    db.session.flush()
    return row


def dispatch(row_id: str) -> None:
    """Start a submitted job. Call only after the commit that created its row and inputs."""
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL") and not app.config.get("JOBS_SYNC"):
        get_queue(app).enqueue("app.jobs.execute", row_id, job_id=row_id, job_timeout=3600)
    elif app.config.get("JOBS_SYNC"):
        execute(row_id)
    else:
        thread = threading.Thread(target=_execute_in_app, args=(app, row_id), daemon=True)
        thread.start()


def _execute_in_app(app, row_id):
    with app.app_context():
        execute(row_id)


def execute(row_id: str):
    """Run one job to its end. Builds the app when called by an RQ worker."""
    if not has_app_context():
        from app import create_app

        with create_app().app_context():
            return execute(row_id)
    row = db.session.get(BackgroundJob, row_id)
    if row is None:
        log.error("background job %s not found", row_id)
        return None
    row.status = "started"
    db.session.commit()
    progress = Progress(row)
    from app.security import scopes
    from app.services import journal

    # What the job reads is what its author may see (a scoped staff member's scope).
    scopes.activate_for(row.created_by_id)

    try:
        # What the job changes in money is journalled as done by whoever started it.
        with journal.acting_as(row.created_by_id):
            result = JOBS[row.name](progress=progress, **(row.params or {}))
    except Exception as exc:
        db.session.rollback()
        row = db.session.get(BackgroundJob, row_id)
        row.status = "failed"
        from app.services import RuleViolation

        # A rule's refusal is already written for people; anything else is a bug, kept whole
        # for whoever reads the log.
        row.error = (exc.message if isinstance(exc, RuleViolation) else "".join(
            traceback.format_exception_only(type(exc), exc)).strip())[:2000]
        row.finished_at = utcnow()
        db.session.commit()
        log.exception("background job %s (%s) failed", row_id, row.name)
        return None
    row.status = "finished"
    row.progress = 100
    row.result = result
    row.finished_at = utcnow()
    db.session.commit()
    return result


def load_job_modules():
    """Import every module that registers jobs, so `JOBS` is complete in web and worker alike."""
    from app.jobs import billing, demo, direct_debits, documents, messaging  # noqa: F401
