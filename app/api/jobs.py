"""GET /api/v1/job/<id>: status, progress and result of a background job."""
from flask_appbuilder.api import BaseApi, expose, protect, safe

from app.api.base import FrenchResponses
from app.views.jobs import find_visible_job, job_status


class JobApi(FrenchResponses, BaseApi):
    resource_name = "job"
    allow_browser_login = True

    @expose("/<job_id>", methods=["GET"])
    @protect()
    @safe
    def get(self, job_id):
        """Status of a background job: queued, started, finished or failed, with progress."""
        row = find_visible_job(job_id)
        if row is None:
            return self.response_404()
        return self.response(200, **job_status(row))
