"""REST API at /api/v1: the contract of shared/API.md."""


def register_apis(appbuilder):
    from app.api.messages import translate_marshmallow

    translate_marshmallow()
    from app.api import activities, billing
    from app.api.jobs import JobApi
    from app.api.registry import GuardianshipApi, HouseholdApi, HouseholdMemberApi, PersonApi

    for api in (HouseholdApi, PersonApi, HouseholdMemberApi, GuardianshipApi, JobApi,
                activities.SchoolApi, activities.SchoolClassApi, activities.EnrollmentApi,
                activities.RegieApi, activities.ProductApi, activities.ServiceApi,
                activities.TariffApi, activities.FamilyQuotientApi, activities.SubscriptionApi,
                activities.PeriodApi, activities.BookingApi, activities.AttendanceApi,
                billing.BillingRuleApi, billing.InvoiceApi, billing.AdjustmentApi):
        appbuilder.add_api(api)
