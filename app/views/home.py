"""The landing page: each member of staff's day, with counters that lead to their lists."""
from flask import redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_login import current_user

from app.services import dashboard
from app.services.calendar import today_in_town


class HomeView(IndexView):
    route_base = ""
    default_view = "index"
    index_template = "home.html"

    @expose("/")
    def index(self):
        if not current_user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
        sm, today = self.appbuilder.sm, today_in_town()
        context = {"today": today}
        if sm.has_access("can_list", "HouseholdView"):
            context["counts"] = dashboard.register_counts()
        if sm.has_access("can_sheet", "AttendanceView"):
            context["sessions"] = dashboard.sessions_of_the_day(today)
        if sm.has_access("validate", "InvoiceView"):
            context["groups"] = dashboard.draft_groups()
            context["to_remind"] = dashboard.invoices_to_remind(today)
        return self.render_template(self.index_template, appbuilder=self.appbuilder, **context)
