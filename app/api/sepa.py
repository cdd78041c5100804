"""SEPA mandates over REST (API.md: `mandate`)."""
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app.api.base import MarelleModelApi
from app.models import Mandate
from app.services import sepa


class MandateApi(MarelleModelApi):
    """A mandate is revoked (status), never deleted; `sequence` (FRST/RCUR) is read-only."""

    resource_name = "mandate"
    datamodel = SQLAInterface(Mandate)
    list_columns = show_columns = ["id", "adult_id", "regie_id", "rum", "signed_on", "iban",
                                   "bic", "status", "sequence"]
    add_columns = ["adult_id", "regie_id", "rum", "signed_on", "iban", "bic", "status"]
    edit_columns = ["rum", "signed_on", "iban", "bic", "status"]
    search_columns = ["adult_id", "regie_id", "rum", "status"]
    include_route_methods = {"get", "get_list", "post", "put", "info"}

    def pre_add(self, item):
        sepa.save_mandate(item)

    def pre_update(self, item):
        sepa.save_mandate(item, sepa.committed_state(item))
