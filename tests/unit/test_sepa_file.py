"""The pain.008.001.02 file a régie sends its bank: valid against the schema, and what the
EPC rulebook asks of sequences and amendments."""
import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal

import pytest

from app.models import Regie
from app.services import RuleViolation, sepa

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
REGIE = dict(code="ENF", name="Régie Enfance", creditor_id="FR72ZZZ123456",
             iban="FR7630004000010000000012358", bic="BNPAFRPP")
SAME_BANK = "FR7630004000010000000012358"
OTHER_BANK = "FR1420041010050500013M02606"


def collection(e2e, amount="12.50", sequence="RCUR", amended_from=None, iban=SAME_BANK,
               rum="ENF-000001-1"):
    return sepa.Collection(end_to_end_id=e2e, amount=Decimal(amount), debtor_name="Élodie Dupré",
                           iban=iban, bic=None, rum=rum, signed_on=date(2026, 9, 1),
                           sequence=sequence, label=f"Facture {e2e}",
                           amended_from_iban=amended_from)


def parse(xml):
    return ET.fromstring(xml)


def test_a_file_validates_and_carries_what_the_bank_reads(app):
    with app.app_context():
        xml = sepa.direct_debit_xml(
            Regie(**REGIE), date(2026, 12, 10),
            [collection("ENF-F-2026-000001"), collection("ENF-F-2026-000002", "40.05", "FRST"),
             collection("ENF-F-2026-000003", "7.45")],
            "ENF-P-2026-000004", datetime(2026, 12, 1, 9, 30))
    root = parse(xml)
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:MsgId", namespaces=NS) == \
        "ENF-P-2026-000004"
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "60.00"
    assert root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "3"
    batches = {info.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS): [
        tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS)
        for tx in info.findall("p:DrctDbtTxInf", NS)]
        for info in root.findall("p:CstmrDrctDbtInitn/p:PmtInf", NS)}
    assert batches == {"RCUR": ["ENF-F-2026-000001", "ENF-F-2026-000003"],
                       "FRST": ["ENF-F-2026-000002"]}
    assert root.findtext(".//p:ReqdColltnDt", namespaces=NS) == "2026-12-10"
    # The debtor's BIC is looked up from the IBAN when the mandate has none.
    assert root.findtext(".//p:DbtrAgt/p:FinInstnId/p:BIC", namespaces=NS) == "BNPAFRPP"


def test_an_amended_account_is_told_to_the_bank(app):
    with app.app_context():
        xml = sepa.direct_debit_xml(
            Regie(**REGIE), date(2026, 12, 10),
            [collection("SAME", amended_from="FR7630004000010000000999915"),
             collection("MOVED", iban=SAME_BANK, amended_from=OTHER_BANK, sequence="FRST",
                        rum="ENF-000002-1")],
            "ENF-P-2026-000005", datetime(2026, 12, 1, 9, 30))
    transactions = {tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS): tx
                    for tx in parse(xml).iter(f"{{{NS['p']}}}DrctDbtTxInf")}
    same = transactions["SAME"].find(".//p:MndtRltdInf", NS)
    assert same.findtext("p:AmdmntInd", namespaces=NS) == "true"
    assert same.findtext("p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:IBAN", namespaces=NS) == \
        "FR7630004000010000000999915"
    moved = transactions["MOVED"].find(".//p:MndtRltdInf", NS)
    assert moved.findtext("p:AmdmntInfDtls/p:OrgnlDbtrAgt/p:FinInstnId/p:Othr/p:Id",
                          namespaces=NS) == "SMNDA"


def test_a_move_to_another_bank_makes_the_next_collection_a_first_one():
    from app.models import Mandate

    mandate = Mandate(iban=SAME_BANK, first_collected_on=date(2026, 10, 5))
    assert sepa.sequence_of(mandate) == "RCUR"
    mandate.amended_from_iban = "FR7630004000010000000999915"  # same bank, new account
    assert sepa.sequence_of(mandate) == "RCUR"
    mandate.amended_from_iban = OTHER_BANK
    assert sepa.sequence_of(mandate) == "FRST"


@pytest.mark.parametrize("change, message", [
    ({"creditor_id": "FR72ZZZ123457"}, "n'a pas d'identifiant créancier SEPA (ICS) valide"),
    ({"creditor_id": None}, "n'a pas d'identifiant créancier SEPA (ICS) valide"),
    ({"iban": None}, "n'a pas d'IBAN"),
])
def test_a_regie_without_a_valid_ics_or_account_sends_nothing(app, change, message):
    with app.test_request_context():
        with pytest.raises(RuleViolation) as refused:
            sepa.direct_debit_xml(Regie(**{**REGIE, **change}), date(2026, 12, 10),
                                  [collection("A")], "M1", datetime(2026, 12, 1))
    assert message in refused.value.message


def test_what_the_schema_refuses_is_never_returned(app):
    with app.test_request_context():
        with pytest.raises(RuleViolation) as refused:
            sepa.direct_debit_xml(Regie(**REGIE), date(2026, 12, 10),
                                  [collection("A", rum="R" * 40)], "M1", datetime(2026, 12, 1))
    assert "ne suit pas le schéma SEPA" in refused.value.message


@pytest.mark.parametrize("today, earliest", [
    (date(2026, 11, 20), date(2026, 11, 24)),   # Friday: Monday, Tuesday
    (date(2026, 12, 23), date(2026, 12, 28)),   # Christmas is no TARGET day
    (date(2027, 3, 25), date(2027, 3, 31)),     # Good Friday and Easter Monday
])
def test_the_earliest_collection_date_counts_target_days(today, earliest):
    assert sepa.earliest_collection_date(today) == earliest
