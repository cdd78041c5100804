"""Registers every back-office screen with its menu entry."""
from flask_babel import lazy_gettext as _l

from app.views.jobs import DemoView, JobView
from app.views.registry import (
    AdultView,
    ArchivedAdultView,
    ArchivedChildView,
    ChildView,
    DocumentView,
    GuardianshipView,
    HouseholdMemberView,
    HouseholdView,
    HouseholdWizardView,
    PersonCriterionView,
    PersonInsuranceView,
)
from app.views.settings import CriterionValueView, CriterionView, InsuranceView

FAMILIES = dict(category="Families", category_label=_l("Families"), category_icon="fa-users")
SETTINGS = dict(category="Settings", category_label=_l("Settings"), category_icon="fa-cogs")


def register_views(appbuilder):
    appbuilder.add_view(HouseholdView, "Households", label=_l("Households"), icon="fa-home",
                        **FAMILIES)
    appbuilder.add_view(HouseholdWizardView, "Create a household",
                        label=_l("Create a household"), icon="fa-plus", **FAMILIES)
    appbuilder.add_view(AdultView, "Adults", label=_l("Adults"), icon="fa-user",
                        **FAMILIES)
    appbuilder.add_view(ChildView, "Children", label=_l("Children"), icon="fa-child", **FAMILIES)
    appbuilder.add_view(DocumentView, "Documents", label=_l("Documents"), icon="fa-file",
                        **FAMILIES)
    appbuilder.add_separator("Families")
    appbuilder.add_view(ArchivedAdultView, "Archived adults",
                        label=_l("Archived adults"), icon="fa-archive", **FAMILIES)
    appbuilder.add_view(ArchivedChildView, "Archived children", label=_l("Archived children"),
                        icon="fa-archive", **FAMILIES)
    for view in (HouseholdMemberView, GuardianshipView, PersonCriterionView, PersonInsuranceView,
                 CriterionValueView, JobView):
        appbuilder.add_view_no_menu(view)
    appbuilder.add_view(CriterionView, "Criteria", label=_l("Criteria"), icon="fa-tags",
                        **SETTINGS)
    appbuilder.add_view(InsuranceView, "Insurances", label=_l("Insurances"),
                        icon="fa-shield-alt", **SETTINGS)
    appbuilder.add_view(DemoView, "Demo families", label=_l("Demo families"), icon="fa-magic",
                        **SETTINGS)
