"""Roles as code. `flask marelle sync-roles` makes the database match this table.

Each role lists (view, permission) pairs as regular expressions matched against the whole
name (re.fullmatch), so "Household.*" can never leak onto a view that merely starts alike.
Admin is FAB's: it receives every permission. Roles created in the UI are left alone, and so
is a role of this table once the town edited it (sync_roles).
"""
import hashlib
import re

REGISTER_VIEWS = (r"HouseholdView|AdultView|ChildView|HouseholdWizardView|HouseholdMemberView"
                  r"|GuardianshipView|PersonCriterionView|PersonInsuranceView|DocumentView"
                  r"|ArchivedAdultView|ArchivedChildView")
REGISTER_APIS = r"HouseholdApi|PersonApi|HouseholdMemberApi|GuardianshipApi"
# A child's health and permissions: health data, kept out of REGISTER_VIEWS so that reading the
# register (the régie) does not open it. « can_show » reads the panel, « can_edit » changes it.
CARE_VIEWS = r"ChildCareView"
# Who only reads the register is not offered its creation form in the menu.
REGISTER_READ_MENUS = (r"Families|Households|Adults|Children|Documents"
                       r"|Archived adults|Archived children")
REGISTER_MENUS = REGISTER_READ_MENUS + r"|Create a household"
READ = r"can_list|can_show|can_search|can_search_json|can_download|can_get|can_info"
BOOKING_VIEWS = (r"BookingView|SubscriptionView|EnrollmentView|AttendanceView"
                 r"|FamilyQuotientView")
BOOKING_APIS = r"BookingApi|SubscriptionApi|EnrollmentApi|AttendanceApi|FamilyQuotientApi"
OFFER_VIEWS = r"RegieView|ProductView|ServiceView|TariffView|TariffBracketView"
OFFER_APIS = r"RegieApi|ProductApi|ServiceApi|TariffApi"
CALENDAR_VIEWS = r"PeriodView|PeriodWithoutServiceView|PeriodCalendarView"
SCHOOL_VIEWS = r"SchoolYearView|SchoolView|SchoolClassView|LevelView"
SCHOOL_APIS = r"SchoolApi|SchoolClassApi|PeriodApi"
BILLING_VIEWS = (r"InvoiceView|InvoiceGroupView|AdjustmentView|BillingRuleView|InvoiceFolderView"
                 r"|PaymentView|DepositView|MandateView|DirectDebitView")
BILLING_APIS = (r"InvoiceApi|AdjustmentApi|BillingRuleApi|PaymentApi|DepositApi"
                r"|MandateApi|DirectDebitApi|SepaRejectApi")
BILLING_MENUS = (r"Billing|Create a group of invoices|Invoices|Drafts|To remind"
                 r"|Invoice folders|Payments|Payments to deposit|Deposits|SEPA mandates"
                 r"|Direct debits|Import a reject file")
PORTAL_VIEWS = r"PortalConfigView|GroupDocumentView|ConsentView|PortalDiagnosticView"
PORTAL_MENUS = r"Portal|Portal configuration|Group documents|Consents"
# An adult's account balance and movements (GET /api/v1/person/<id>/account).
ACCOUNT = (r"PersonApi", r"can_account")
JOBS = [(r"JobView", r"can_show|can_status"), (r"JobApi", r"can_get")]
# « E-mails envoyés »: front desk and régie see what reached families, and send a failure again.
SENT_EMAILS = [(r"SentEmailView", r"can_list|can_show|can_resend"),
               (r"Settings|Sent e-mails", r"menu_access")]
# Every staff member keeps their own account: profile page, name, password.
OWN_ACCOUNT = [
    (r"UserDBModelView", r"can_userinfo|resetmypassword|userinfoedit"),
    (r"ResetMyPasswordView|UserInfoEditView", r"can_this_form_get|can_this_form_post"),
]

ROLES = {
    # Front desk: the register, bookings, attendance and messages.
    "Agent": [
        # Everything on the register but the data export of an access request (Admin's) and
        # tax certificates, which say what a family paid (the régie's).
        (REGISTER_VIEWS, r"(?!can_export$|tax_certificates$).*"),
        (REGISTER_APIS, r".*"),
        (REGISTER_MENUS, r"menu_access"),
        # « Santé et autorisations »: the front desk takes them from the families' forms.
        (CARE_VIEWS, r".*"),
        (BOOKING_VIEWS, r".*"),
        (BOOKING_APIS, r".*"),
        (CALENDAR_VIEWS + "|" + SCHOOL_VIEWS + "|" + OFFER_VIEWS, READ + r"|can_month"),
        (SCHOOL_APIS + "|" + OFFER_APIS, READ),
        (r"Activities|Attendance|Periods|Calendar|Periods without services", r"menu_access"),
        # Billing rules live on the adult's record, where agents keep families up to date.
        (r"BillingRuleView", r".*"),
        (r"BillingRuleApi", r".*"),
        (r"InvoiceView", READ + r"|can_pdf"),
        (r"InvoiceApi", READ + r"|can_pdf"),
        # Messages to one family or to a list of families (the FAQ's « envoyer un message »).
        (r"MessageView", r".*"),
        (r"Messages", r"menu_access"),
        # Parents' logins are opened, reset and locked at the front desk.
        (r"PortalAccessView", r"can_show|can_manage"),
        # Families hand their signed mandate at the front desk: agents see it on the record.
        (r"MandateView|MandateApi", READ),
        (r"Billing|Invoices", r"menu_access"),
        # The parents' portal: its texts, group documents, consents, a parent's diagnostic.
        (PORTAL_VIEWS, r".*"),
        (PORTAL_MENUS, r"menu_access"),
        # « Fiches de renseignements » of the children and adults lists.
        (r"OfficialDocumentView", r"can_information_sheets|can_download"),
        *SENT_EMAILS,
        *JOBS,
        *OWN_ACCOUNT,
    ],
    # The régisseur collects the money: reads the register, owns billing and payments.
    "Régisseur": [
        (REGISTER_VIEWS, READ),
        (REGISTER_APIS, READ),
        ACCOUNT,
        (r"AdultView", r"can_statement"),
        # « Attestations fiscales » (and information sheets) from the register's lists.
        (r"AdultView|ChildView|HouseholdView", r"tax_certificates|information_sheets"),
        (r"OfficialDocumentView", r".*"),
        # Families phone the régie when they cannot book: the régisseur reads the diagnostic
        # and the login's state.
        (r"PortalDiagnosticView|PortalAccessView", r"can_show"),
        (REGISTER_READ_MENUS, r"menu_access"),
        (OFFER_VIEWS + r"|FamilyQuotientView", r".*"),
        (OFFER_APIS + r"|FamilyQuotientApi", r".*"),
        (BOOKING_VIEWS + "|" + CALENDAR_VIEWS + "|" + SCHOOL_VIEWS, READ + r"|can_grid|can_month"),
        (BOOKING_APIS + "|" + SCHOOL_APIS, READ),
        (r"Settings|Régies|Products|Services|Tariffs|Activities|Periods|Calendar", r"menu_access"),
        (BILLING_VIEWS, r".*"),
        (BILLING_APIS, r".*"),
        (BILLING_MENUS, r"menu_access"),
        *SENT_EMAILS,
        *JOBS,
        *OWN_ACCOUNT,
    ],
    # Activity leaders see children only, to take attendance: no adult, no family's contact
    # details (no PersonApi, no household or guardian lists) until staff scopes exist.
    "Animateur": [
        (r"ChildView", READ),
        # Who looks after the children must know their allergies, PAI and who may fetch them.
        (CARE_VIEWS, r"can_show"),
        (r"AttendanceView", r"can_sheet|can_mark|can_all_present"),
        (r"AttendanceApi", r".*"),
        (r"Families|Children|Activities|Attendance", r"menu_access"),
        *JOBS,
        *OWN_ACCOUNT,
    ],
    # Parents use the portal only: no back-office permission at all.
    "Parent": [],
}


def role_grants(role_name, view_name, permission_name) -> bool:
    return any(
        re.fullmatch(view, view_name) and re.fullmatch(permission, permission_name)
        for view, permission in ROLES.get(role_name, [])
    )


def _fingerprint(pvms) -> str:
    names = sorted(f"{p.view_menu.name}/{p.permission.name}" for p in pvms
                   if p.view_menu and p.permission)
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


def sync_roles(appbuilder, kept=None) -> dict:
    """Write every view's permissions, then give each role of ROLES exactly what it grants —
    unless the town edited that role since the last sync (its permissions no longer match
    what the sync gave it): an upgrade never overwrites a town's choices. Returns {role:
    number of permissions}; the names of the roles left alone go into `kept` (a list).

    The Admin role must exist before FAB writes permissions: FAB grants each new permission to
    Admin as it goes, and gives up on a view at its first permission when Admin is missing.
    """
    from app.models import SyncedRole

    sm = appbuilder.sm
    for name in (sm.auth_role_admin, sm.auth_role_public, *ROLES):
        if sm.find_role(name) is None:
            sm.add_role(name)
    appbuilder.add_permissions(update_perms=True)
    appbuilder.sm.security_cleanup(appbuilder.baseviews, appbuilder.menu)
    all_pvms = sm.session.query(sm.permissionview_model).all()
    report = {}
    kept = kept if kept is not None else []
    for role_name in ROLES:
        role = sm.find_role(role_name)
        synced = sm.session.get(SyncedRole, role_name)
        if synced is not None and synced.fingerprint != _fingerprint(role.permissions):
            kept.append(role_name)
            report[role_name] = len(role.permissions)
            continue
        role.permissions = [
            pvm for pvm in all_pvms
            if pvm.permission and pvm.view_menu
            and role_grants(role_name, pvm.view_menu.name, pvm.permission.name)
        ]
        if synced is None:
            synced = SyncedRole(name=role_name)
            sm.session.add(synced)
        synced.fingerprint = _fingerprint(role.permissions)
        report[role_name] = len(role.permissions)
    admin = sm.find_role(sm.auth_role_admin)
    admin.permissions = all_pvms
    report[admin.name] = len(all_pvms)
    sm.session.commit()
    return report


# ---------------------------------------------------------------------------------------------
# Roles in business words: what the admin ticks on « Rôles » (app/views/staff.py). Each
# capability is a set of (view, permission) patterns, like ROLES; a role has a capability when
# it holds every permission the capability's patterns match.

from flask_babel import lazy_gettext as _l  # noqa: E402

PARENT = "Parent"
CAPABILITIES = {
    "children_read": (_l("Children: read"), [
        (r"ChildView", READ), (r"Families|Children", r"menu_access")]),
    "families_read": (_l("Families: read"), [
        (REGISTER_VIEWS, READ), (REGISTER_APIS, READ), (REGISTER_READ_MENUS, r"menu_access")]),
    "families_edit": (_l("Families: add and edit"), [
        (REGISTER_VIEWS, r"(?!can_export$|tax_certificates$).*"), (REGISTER_APIS, r".*"),
        (REGISTER_MENUS, r"menu_access"), (CARE_VIEWS, r".*")]),
    "care_read": (_l("Children's health and permissions: read"), [(CARE_VIEWS, r"can_show")]),
    "bookings": (_l("Bookings, subscriptions and schooling: edit"), [
        (BOOKING_VIEWS, r".*"), (BOOKING_APIS, r".*"),
        (r"Activities|Attendance|Periods|Calendar|Periods without services", r"menu_access")]),
    "attendance": (_l("Attendance sheets: take attendance"), [
        (r"AttendanceView", r"can_sheet|can_mark|can_all_present"), (r"AttendanceApi", r".*"),
        (r"Activities|Attendance", r"menu_access")]),
    "offer": (_l("Régies, services and tariffs: edit"), [
        (OFFER_VIEWS + r"|FamilyQuotientView", r".*"), (OFFER_APIS + r"|FamilyQuotientApi", r".*"),
        (r"Settings|Régies|Products|Services|Tariffs", r"menu_access")]),
    "billing_read": (_l("Billing: read invoices"), [
        (r"InvoiceView", READ + r"|can_pdf"), (r"InvoiceApi", READ + r"|can_pdf"),
        (r"Billing|Invoices", r"menu_access")]),
    "billing": (_l("Billing: generate, validate, credit"), [
        (r"InvoiceView|InvoiceGroupView|AdjustmentView|BillingRuleView|InvoiceFolderView",
         r".*"), (r"InvoiceApi|AdjustmentApi|BillingRuleApi", r".*")]),
    "payments": (_l("Payments, deposits and direct debits"), [
        (r"PaymentView|DepositView|MandateView|DirectDebitView", r".*"),
        (r"PaymentApi|DepositApi|MandateApi|DirectDebitApi|SepaRejectApi", r".*"),
        (BILLING_MENUS, r"menu_access")]),
    "certificates": (_l("Tax certificates"), [
        (r"AdultView|ChildView|HouseholdView", r"tax_certificates"),
        (r"OfficialDocumentView", r".*")]),
    "messages": (_l("Messages to families"), [
        (r"MessageView", r".*"), (r"Messages", r"menu_access")]),
    "portal": (_l("Parents' portal: logins, texts, documents, consents"), [
        (r"PortalAccessView", r".*"), (PORTAL_VIEWS, r".*"), (PORTAL_MENUS, r"menu_access")]),
    "emails": (_l("Sent e-mails: read and send again"), SENT_EMAILS),
}
# What every staff role keeps whatever is ticked: their own account, and job progress pages.
ALWAYS = [*JOBS, *OWN_ACCOUNT]


def _matching(pvms, patterns) -> list:
    return [pvm for pvm in pvms if pvm.permission and pvm.view_menu and any(
        re.fullmatch(view, pvm.view_menu.name) and re.fullmatch(permission, pvm.permission.name)
        for view, permission in patterns)]


def capabilities_of(role, all_pvms) -> set:
    """The capabilities a role holds whole."""
    held = set(role.permissions)
    return {key for key, (_label, patterns) in CAPABILITIES.items()
            if (matched := _matching(all_pvms, patterns)) and set(matched) <= held}


def set_capabilities(role, keys, all_pvms) -> None:
    """Give the role exactly the ticked capabilities (and what every role keeps). A role of
    ROLES edited here is then left alone by later syncs (sync_roles)."""
    unknown = set(keys) - set(CAPABILITIES)
    if unknown:
        raise ValueError(sorted(unknown))
    patterns = list(ALWAYS)
    for key in keys:
        patterns += CAPABILITIES[key][1]
    role.permissions = _matching(all_pvms, patterns)
