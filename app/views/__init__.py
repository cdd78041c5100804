"""Registers every back-office screen with its menu entry."""
from flask_babel import lazy_gettext as _l

from app.views.attendance import AttendanceView
from app.views.child_care import ChildCareView
from app.views.forms import use_town_fields_in_generated_forms
from app.views.billing import (
    AdjustmentView,
    BillingRuleView,
    InvoiceFolderView,
    InvoiceGroupView,
    InvoiceView,
)
from app.views.bookings import BookingView, SubscriptionView
from app.views.direct_debits import DirectDebitView
from app.views.jobs import DemoView, JobView
from app.views.journal import MoneyJournalView
from app.views.mail import PasswordRecoveryView, SentEmailView
from app.views.official_documents import OfficialDocumentView
from app.views.offer import (
    FamilyQuotientView,
    ProductView,
    RegieView,
    ServiceView,
    TariffBracketView,
    TariffView,
)
from app.views.payments import DepositView, PaymentView
from app.views.messaging import MessageView
from app.views.staff import RoleCapabilitiesView, StaffScopeView
from app.views.portal_access import PortalAccessView
from app.views.periods import PeriodCalendarView, PeriodView, PeriodWithoutServiceView
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
from app.views.schooling import (
    EnrollmentView,
    LevelView,
    NewSchoolYearView,
    SchoolClassView,
    SchoolView,
    SchoolYearView,
)
from app.views.portal_admin import (
    ConsentView,
    GroupDocumentView,
    PortalConfigView,
    PortalDiagnosticView,
)
from app.views.sepa import MandateView
from app.views.settings import CriterionValueView, CriterionView, InsuranceView

FAMILIES = dict(category="Families", category_label=_l("Families"), category_icon="fa-users")
BILLING = dict(category="Billing", category_label=_l("Billing"), category_icon="fa-euro-sign")
ACTIVITIES = dict(category="Activities", category_label=_l("Activities"),
                  category_icon="fa-calendar-check")
PORTAL = dict(category="Portal", category_label=_l("Parents' portal"), category_icon="fa-globe")
SETTINGS = dict(category="Settings", category_label=_l("Settings"), category_icon="fa-cogs")


def _town_security_menu(appbuilder):
    """The admin's « Sécurité » menu: Utilisateurs, « Rôles et droits » (the roles in business
    words), « Périmètres du personnel ». FAB's raw role list (every permission by its code
    name), groups and login charts stay reachable by address, but a town gives access through
    roles alone."""
    security = appbuilder.menu.find("Security")
    if security is not None:
        security.childs = [item for item in security.childs
                           if item.name in ("List Users", "Roles and rights", "Staff scopes")]


def register_views(appbuilder):
    use_town_fields_in_generated_forms()
    appbuilder.add_view(RoleCapabilitiesView, "Roles and rights", label=_l("Roles and rights"),
                        icon="fa-user-shield", category="Security")
    _town_security_menu(appbuilder)
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
                 CriterionValueView, JobView, BookingView, SubscriptionView, EnrollmentView,
                 TariffBracketView, FamilyQuotientView, AdjustmentView, BillingRuleView,
                 ChildCareView):
        appbuilder.add_view_no_menu(view)

    appbuilder.add_view(InvoiceGroupView, "Create a group of invoices",
                        label=_l("Create a group of invoices"), icon="fa-file-invoice",
                        **BILLING)
    appbuilder.add_view(InvoiceView, "Invoices", label=_l("Invoices"),
                        icon="fa-file-invoice-dollar", **BILLING)
    appbuilder.add_link("Drafts", label=_l("Drafts"), href="/invoiceview/list/?_flt_0_status=draft",
                        icon="fa-pencil-alt", **BILLING)
    appbuilder.add_link("To remind", label=_l("To remind"),
                        href="/invoiceview/list/?_flt_0_status=to_remind", icon="fa-bell",
                        **BILLING)
    appbuilder.add_separator("Billing")
    appbuilder.add_view(PaymentView, "Payments", label=_l("Payments"), icon="fa-money-bill",
                        **BILLING)
    appbuilder.add_link("Payments to deposit", label=_l("Payments to deposit"),
                        href="/paymentview/list/?_flt_0_deposit=1", icon="fa-inbox", **BILLING)
    appbuilder.add_view(DepositView, "Deposits", label=_l("Deposits"), icon="fa-university",
                        **BILLING)
    appbuilder.add_view(MandateView, "SEPA mandates", label=_l("SEPA mandates"),
                        icon="fa-university", **BILLING)
    appbuilder.add_view(DirectDebitView, "Direct debits", label=_l("Direct debits"),
                        icon="fa-file-export", **BILLING)
    appbuilder.add_link("Import a reject file", label=_l("Import a reject file"),
                        href="/direct_debits/rejects", icon="fa-file-import", **BILLING)

    appbuilder.add_view(AttendanceView, "Attendance", label=_l("Attendance"),
                        icon="fa-check-square", **ACTIVITIES)
    appbuilder.add_view(PeriodView, "Periods", label=_l("Periods"), icon="fa-calendar",
                        **ACTIVITIES)
    appbuilder.add_link("Calendar", label=_l("Calendar"), href="/periods/calendar",
                        icon="fa-calendar-alt", **ACTIVITIES)
    appbuilder.add_view(PeriodWithoutServiceView, "Periods without services",
                        label=_l("Periods without services"), icon="fa-calendar-minus",
                        **ACTIVITIES)
    appbuilder.add_view_no_menu(PeriodCalendarView)
    appbuilder.add_view_no_menu(PortalAccessView)
    appbuilder.add_view(StaffScopeView, "Staff scopes", label=_l("Staff scopes"),
                        icon="fa-sitemap", category="Security")
    appbuilder.add_view(MessageView, "Messages", label=_l("Messages"), icon="fa-envelope",
                        **FAMILIES)
    appbuilder.add_view_no_menu(OfficialDocumentView)

    appbuilder.add_view(PortalConfigView, "Portal configuration",
                        label=_l("Portal configuration"), icon="fa-edit", **PORTAL)
    appbuilder.add_view(GroupDocumentView, "Group documents", label=_l("Group documents"),
                        icon="fa-file-alt", **PORTAL)
    appbuilder.add_view(ConsentView, "Consents", label=_l("Consents"), icon="fa-check-square",
                        **PORTAL)
    appbuilder.add_view_no_menu(PortalDiagnosticView)

    appbuilder.add_view(SchoolYearView, "School years", label=_l("School years"),
                        icon="fa-calendar", **SETTINGS)
    appbuilder.add_view(SchoolView, "Schools", label=_l("Schools"), icon="fa-school", **SETTINGS)
    appbuilder.add_view(SchoolClassView, "Classes", label=_l("Classes"), icon="fa-users",
                        **SETTINGS)
    appbuilder.add_view(LevelView, "Levels", label=_l("Levels"), icon="fa-layer-group",
                        **SETTINGS)
    appbuilder.add_view(NewSchoolYearView, "New school year", label=_l("New school year"),
                        icon="fa-forward", **SETTINGS)
    appbuilder.add_link("School calendar", label=_l("School calendar"),
                        href="/periods/official", icon="fa-umbrella-beach", **SETTINGS)
    appbuilder.add_separator("Settings")
    appbuilder.add_view(RegieView, "Régies", label=_l("Régies"), icon="fa-university",
                        **SETTINGS)
    appbuilder.add_view(ProductView, "Products", label=_l("Products"), icon="fa-tag",
                        **SETTINGS)
    appbuilder.add_view(ServiceView, "Services", label=_l("Services"), icon="fa-utensils",
                        **SETTINGS)
    appbuilder.add_view(TariffView, "Tariffs", label=_l("Tariffs"), icon="fa-euro-sign",
                        **SETTINGS)
    appbuilder.add_view(InvoiceFolderView, "Invoice folders", label=_l("Invoice folders"),
                        icon="fa-folder", **SETTINGS)
    appbuilder.add_separator("Settings")
    appbuilder.add_view(CriterionView, "Criteria", label=_l("Criteria"), icon="fa-tags",
                        **SETTINGS)
    appbuilder.add_view(InsuranceView, "Insurances", label=_l("Insurances"),
                        icon="fa-shield-alt", **SETTINGS)
    appbuilder.add_view(DemoView, "Demo families", label=_l("Demo families"), icon="fa-magic",
                        **SETTINGS)
    appbuilder.add_separator("Settings")
    appbuilder.add_view(SentEmailView, "Sent e-mails", label=_l("Sent e-mails"),
                        icon="fa-envelope", **SETTINGS)
    # Admin only: no role of app/security/roles.py grants it.
    appbuilder.add_view(MoneyJournalView, "Operations journal",
                        label=_l("Operations journal"), icon="fa-shield-alt", **SETTINGS)
    appbuilder.add_view_no_menu(PasswordRecoveryView)
