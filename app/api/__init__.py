"""REST API at /api/v1: the contract of shared/API.md."""
from flask import current_app, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.api.manager import OpenApi


class CachedOpenApi(OpenApi):
    """FAB rebuilds the whole spec from every API on each call (over a second): the APIs are
    all registered when the app starts, so it is built once per app, version and host."""

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version):
        cache = current_app.extensions.setdefault("marelle_openapi", {})
        key = (version, request.host_url)
        if key not in cache:
            response = OpenApi.get(self, version)
            if response.status_code != 200:
                return response
            cache[key] = response.get_data()
        return current_app.response_class(cache[key], mimetype="application/json")


def _cache_openapi(appbuilder):
    """FAB has already routed its OpenApi: the same instance answers through the cache."""
    for view in appbuilder.baseviews:
        if type(view) is OpenApi:
            view.__class__ = CachedOpenApi
            appbuilder.app.view_functions[f"{view.blueprint.name}.get"] = view.get


def register_apis(appbuilder):
    from app.api.base import check_api_input
    from app.api.messages import translate_marshmallow

    translate_marshmallow()
    from app.api import activities, billing, direct_debits, payments, sepa
    from app.api.jobs import JobApi
    from app.api.registry import GuardianshipApi, HouseholdApi, HouseholdMemberApi, PersonApi

    for api in (HouseholdApi, PersonApi, HouseholdMemberApi, GuardianshipApi, JobApi,
                activities.SchoolApi, activities.SchoolClassApi, activities.EnrollmentApi,
                activities.RegieApi, activities.ProductApi, activities.ServiceApi,
                activities.TariffApi, activities.FamilyQuotientApi, activities.SubscriptionApi,
                activities.PeriodApi, activities.BookingApi, activities.AttendanceApi,
                billing.BillingRuleApi, billing.InvoiceApi, billing.AdjustmentApi,
                payments.PaymentApi, payments.DepositApi, sepa.MandateApi,
                direct_debits.DirectDebitApi, direct_debits.SepaRejectApi):
        appbuilder.add_api(api)
    appbuilder.app.before_request(check_api_input)
    _cache_openapi(appbuilder)
