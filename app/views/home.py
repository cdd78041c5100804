"""The landing page: the register's figures and the day's shortcuts."""
import sqlalchemy as sa
from flask import redirect, url_for
from flask_appbuilder import IndexView, expose
from flask_login import current_user

from app.extensions import db
from app.models import Household, Person


class HomeView(IndexView):
    route_base = ""
    default_view = "index"
    index_template = "home.html"

    @expose("/")
    def index(self):
        if not current_user.is_authenticated:
            return redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
        counts = dict(db.session.execute(
            sa.select(Person.kind, sa.func.count(Person.id))
            .where(Person.archived_at.is_(None)).group_by(Person.kind)
        ).all())
        households = db.session.scalar(sa.select(sa.func.count(Household.id)))
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    children=counts.get("child", 0),
                                    adults=counts.get("adult", 0), households=households)
