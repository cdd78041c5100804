"""State of background jobs, kept in the database so that the UI and the API read one source
whether the job runs in an RQ worker or in-process."""
import sqlalchemy as sa
from flask_appbuilder import Model

from app.models.base import created_at_column, enum_column

JOB_STATUSES = ("queued", "started", "finished", "failed")


class BackgroundJob(Model):
    __tablename__ = "background_job"
    id = sa.Column(sa.String(36), primary_key=True)
    name = sa.Column(sa.String(60), nullable=False)
    params = sa.Column(sa.JSON, nullable=False, default=dict)
    status = enum_column(*JOB_STATUSES, name="job_status", nullable=False, default="queued")
    progress = sa.Column(sa.Integer, nullable=False, default=0)
    message = sa.Column(sa.String(250))
    result = sa.Column(sa.JSON)
    error = sa.Column(sa.Text)
    created_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"))
    created_at = created_at_column()
    finished_at = sa.Column(sa.DateTime(timezone=True))
