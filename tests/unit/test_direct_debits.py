"""The direct-debit run and the bank's rejects, through the services."""
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.models import AccountEntry, Deposit, JournalEntry, Mandate, Payment
from app.services import RuleViolation, deposits, direct_debits, payments, sepa, sepa_returns
from tests import factories

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
DAY = date(2026, 11, 25)


def transactions(xml):
    """{end-to-end id: (sequence, amount)} of a pain.008 file."""
    root = ET.fromstring(xml)
    return {tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS):
            (info.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS),
             tx.findtext("p:InstdAmt", namespaces=NS))
            for info in root.findall("p:CstmrDrctDbtInitn/p:PmtInf", NS)
            for tx in info.findall("p:DrctDbtTxInf", NS)}


@pytest.fixture
def town(session):
    regie = factories.sepa_regie(session)
    alice, (a1, a2) = factories.debit_payer(session, regie, "42.50", "10.05", last="Alice")
    bruno, (b1,) = factories.debit_payer(session, regie, "30.00", last="Bruno")
    return dict(regie=regie, alice=alice, bruno=bruno, invoices=[a1, a2, b1])


def test_a_run_makes_a_deposit_of_direct_debits_and_keeps_a_valid_file(session, town):
    regie, (a1, a2, b1) = town["regie"], town["invoices"]
    result = direct_debits.run(regie.id, DAY)
    assert (result["count"], result["total"], result["refused"]) == (3, "82.55", [])
    deposit = session.get(Deposit, result["deposit_id"])
    assert deposit.method == "direct_debit" and deposit.total == Decimal("82.55")
    assert deposit.number == f"{regie.code}-D-2026-000001"
    debits = session.scalars(sa.select(Payment).where(Payment.deposit_id == deposit.id)
                             .order_by(Payment.id)).all()
    assert [(p.method, p.status, p.date, p.amount) for p in debits] == [
        ("direct_debit", "ok", DAY, Decimal("42.50")), ("direct_debit", "ok", DAY,
                                                         Decimal("10.05")),
        ("direct_debit", "ok", DAY, Decimal("30.00"))]
    assert [p.allocations[0].invoice_id for p in debits] == [a1.id, a2.id, b1.id]
    for invoice in (a1, a2, b1):
        assert payments.amount_due(invoice) == 0
    xml = direct_debits.sepa_file(deposit)
    assert sepa.schema_error(xml) is None
    assert transactions(xml) == {
        f"P{debits[0].id}-{a1.number}": ("FRST", "42.50"),
        f"P{debits[1].id}-{a2.number}": ("FRST", "10.05"),
        f"P{debits[2].id}-{b1.number}": ("FRST", "30.00")}
    assert debits[0].end_to_end_id == f"P{debits[0].id}-{a1.number}"
    mandate = sepa.active_mandate(town["alice"].id, regie.id)
    assert mandate.first_collected_on == DAY and mandate.sequence == "RCUR"
    assert debits[0].mandate_id == mandate.id
    row = session.scalars(sa.select(JournalEntry).where(
        JournalEntry.action == "direct_debit_run")).one()
    assert row.after["count"] == 3 and row.after["total"] == "82.55"


def test_a_second_run_is_recurrent_and_takes_only_new_invoices(session, town):
    regie, alice = town["regie"], town["alice"]
    direct_debits.run(regie.id, DAY)
    later = factories.debit_invoice(session, alice, regie, "12.00", debit_date=date(2026, 12, 10))
    second = direct_debits.run(regie.id, date(2026, 12, 10))
    assert second["count"] == 1 and second["total"] == "12.00"
    deposit = session.get(Deposit, second["deposit_id"])
    assert list(transactions(direct_debits.sepa_file(deposit)).values()) == [("RCUR", "12.00")]
    assert payments.amount_due(later) == 0


def test_the_kept_file_does_not_change_when_the_mandates_move_on(session, town):
    regie = town["regie"]
    first = session.get(Deposit, direct_debits.run(regie.id, DAY)["deposit_id"])
    kept = direct_debits.sepa_file(first)
    factories.debit_invoice(session, town["bruno"], regie, "5.00", debit_date=DAY)
    direct_debits.run(regie.id, DAY)
    assert direct_debits.sepa_file(first) == kept
    assert {seq for seq, _ in transactions(kept).values()} == {"FRST"}


def test_refused_invoices_are_listed_with_their_reason_and_not_exported(session, town):
    regie = town["regie"]
    nobody, (no_mandate,) = factories.debit_payer(session, regie, "20.00", last="Sans",
                                                  with_mandate=False)
    gone, (revoked,) = factories.debit_payer(session, regie, "21.00", last="Révoqué")
    sepa.revoke(sepa.active_mandate(gone.id, regie.id))
    paid_payer, (paid,) = factories.debit_payer(session, regie, "22.00", last="Payé")
    payments.record_payment(paid_payer.id, regie.id, "22.00", "cash", invoice_ids=[paid.id])
    ids = [i.id for i in town["invoices"]] + [no_mandate.id, revoked.id, paid.id]
    result = direct_debits.run(regie.id, DAY, invoice_ids=ids)
    assert result["count"] == 3
    assert result["refused"] == [
        {"invoice_id": no_mandate.id, "code": "no_mandate",
         "reason": "Le payeur n'a pas de mandat SEPA pour cette régie."},
        {"invoice_id": revoked.id, "code": "revoked_mandate",
         "reason": "Le mandat SEPA du payeur est révoqué."},
        {"invoice_id": paid.id, "code": "nothing_due",
         "reason": "Il ne reste rien à payer sur cette facture."}]
    exported = transactions(direct_debits.sepa_file(session.get(Deposit, result["deposit_id"])))
    assert not [e2e for e2e in exported if e2e.endswith((no_mandate.number, revoked.number,
                                                         paid.number))]
    report = direct_debits.refused_report(result)
    assert [r["payer_name"] for r in report] == [paid_payer.full_name, gone.full_name,
                                                 nobody.full_name]


def test_a_pending_debit_and_a_bad_iban_are_refused(session, town):
    regie = town["regie"]
    direct_debits.run(regie.id, DAY)
    payer, (invoice,) = factories.debit_payer(session, regie, "9.00", last="Iban")
    # An IBAN that no longer passes (typed before the checks existed).
    session.execute(sa.update(Mandate).where(Mandate.adult_id == payer.id)
                    .values(iban="FR7630004000010000000012359"))
    result = direct_debits.run(regie.id, DAY, invoice_ids=[town["invoices"][0].id, invoice.id])
    assert result["count"] == 0 and result["deposit_id"] is None
    assert [(r["invoice_id"], r["code"]) for r in result["refused"]] == [
        (town["invoices"][0].id, "pending_debit"), (invoice.id, "invalid_iban")]


def test_a_collection_date_too_early_is_refused_with_the_earliest(session, town):
    with pytest.raises(RuleViolation) as refused:
        direct_debits.run(town["regie"].id, date(2026, 11, 23))
    assert refused.value.field == "collection_date"
    assert "24/11/2026" in refused.value.message
    assert session.scalar(sa.select(sa.func.count(Payment.id))) == 0


def test_a_regie_without_ics_cannot_run(session):
    regie = factories.regie(session, code="NOICS")
    with pytest.raises(RuleViolation) as refused:
        direct_debits.run(regie.id, DAY)
    assert refused.value.field == "creditor_id"


def test_a_run_deposit_is_not_deleted(session, town):
    deposit = session.get(Deposit, direct_debits.run(town["regie"].id, DAY)["deposit_id"])
    with pytest.raises(RuleViolation, match="prélèvement"):
        deposits.delete_deposit(deposit)


def test_a_run_costs_the_same_statements_for_3_or_30_invoices(session, count_queries):
    def statements(n):
        regie = factories.sepa_regie(session)
        for k in range(n):
            factories.debit_payer(session, regie, "7.00", last=f"Nombre{k}")
        with count_queries() as counted:
            assert direct_debits.run(regie.id, DAY)["count"] == n
        return len(counted)

    assert statements(30) == statements(3)


# ---------------------------------------------------------------------------------------------
# Rejects


def run_one(session, town):
    result = direct_debits.run(town["regie"].id, DAY)
    return session.scalars(sa.select(Payment).where(Payment.deposit_id == result["deposit_id"])
                           .order_by(Payment.id)).all()


def test_a_reject_makes_the_invoice_due_again_and_is_idempotent(session, town):
    debit = run_one(session, town)[0]
    invoice = town["invoices"][0]
    assert payments.amount_due(invoice) == 0
    done = direct_debits.reject(debit, "am04")
    assert done == {"rejected": [debit.id], "already": [], "revoked": []}
    session.refresh(debit)
    assert (debit.status, debit.reject_reason) == ("rejected", "AM04")
    assert payments.amount_due(invoice) == Decimal("42.50")
    # Insufficient funds: the mandate stays, the debit may be presented again.
    assert sepa.active_mandate(town["alice"].id, town["regie"].id) is not None
    assert direct_debits.reject(debit, "AM04") == {"rejected": [], "already": [debit.id],
                                                   "revoked": []}
    assert payments.amount_due(invoice) == Decimal("42.50")
    assert session.scalar(sa.select(sa.func.count(JournalEntry.id)).where(
        JournalEntry.action == "reject_direct_debit")) == 1
    # The next run presents it again.
    again = direct_debits.run(town["regie"].id, date(2026, 12, 1), invoice_ids=[invoice.id])
    assert again["count"] == 1 and again["total"] == "42.50"


@pytest.mark.parametrize("code,revoked", [
    ("AM04", False), ("MS03", False), ("AC04", True), ("AC06", True), ("AG01", True),
    ("MD01", True), ("MD06", True), ("MS02", True), ("AC01", False)])
def test_each_reason_says_what_to_do_and_ends_the_mandate_or_not(session, town, code,
                                                                  revoked):
    debit = run_one(session, town)[0]
    done = direct_debits.reject(debit, code)
    mandate = session.get(Mandate, debit.mandate_id)
    assert (mandate.status == "revoked") is revoked
    assert done["revoked"] == ([mandate.rum] if revoked else [])
    why = sepa_returns.reason(code)
    assert why.may_present_again is (code in ("AM04", "MS03"))
    assert why.ends_mandate is revoked


def test_only_a_deposited_direct_debit_can_be_rejected(session, town):
    payer, regie = town["alice"], town["regie"]
    cash = payments.record_payment(payer.id, regie.id, "5.00", "cash")
    with pytest.raises(RuleViolation, match="prélèvement"):
        direct_debits.reject(cash, "AM04")
    debit = run_one(session, town)[0]
    with pytest.raises(RuleViolation, match="XX99"):
        direct_debits.reject(debit, "XX99")


def test_a_reject_takes_back_what_the_payment_left_on_the_account(session, town):
    """A credit note after the debit gave part of it back to the account: the reject takes
    that part back, so the balance stays the sum of the entries and no cent is created."""
    from app.services import billing

    debit = run_one(session, town)[0]
    invoice = town["invoices"][0]
    billing.credit_note(invoice, amount="10.00")
    alice, regie = town["alice"], town["regie"]
    assert payments.balance(alice.id, regie.id) == Decimal("10.00")
    direct_debits.reject(debit, "AC04")
    assert payments.balance(alice.id, regie.id) == Decimal("0.00")
    kinds = session.scalars(sa.select(AccountEntry.kind).where(
        AccountEntry.payment_id == debit.id).order_by(AccountEntry.id)).all()
    assert kinds == ["refund", "rejection"]
    assert payments.amount_due(invoice) == Decimal("32.50")


def reject_file(lines, kind="pain.002"):
    if kind == "pain.002":
        body = "".join(
            f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
            f"<StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf></TxInfAndSts>"
            for e2e, code in lines)
        return (f'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:'
                f'pain.002.001.03"><CstmrPmtStsRpt><GrpHdr><MsgId>R1</MsgId></GrpHdr>'
                f'<OrgnlPmtInfAndSts>{body}</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>'
                ).encode()
    body = "".join(
        f"<TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs><RtrInf><Rsn><Cd>{code}</Cd>"
        f"</Rsn></RtrInf></TxDtls>" for e2e, code in lines)
    return (f'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:'
            f'camt.054.001.02"><BkToCstmrDbtCdtNtfctn><Ntfctn><Ntry><NtryDtls>{body}'
            f'</NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>').encode()


@pytest.mark.parametrize("kind", ["pain.002", "camt.054"])
def test_a_reject_file_imported_twice_rejects_once(session, town, kind):
    debits = run_one(session, town)
    data = reject_file([(debits[0].end_to_end_id, "AM04"), (debits[2].end_to_end_id, "MD01"),
                        ("P999999-INCONNUE", "AC04")], kind)
    first = direct_debits.import_rejects(data)
    assert (first["rejected"], first["already"]) == (2, 0)
    assert first["unmatched"] == [{"end_to_end_id": "P999999-INCONNUE", "reason_code": "AC04"}]
    assert first["revoked"] == [session.get(Mandate, debits[2].mandate_id).rum]
    second = direct_debits.import_rejects(data)
    assert (second["rejected"], second["already"]) == (0, 2)
    assert payments.amount_due(town["invoices"][0]) == Decimal("42.50")
    assert payments.amount_due(town["invoices"][1]) == 0
    assert payments.amount_due(town["invoices"][2]) == Decimal("30.00")
    assert sepa.active_mandate(town["bruno"].id, town["regie"].id) is None


def test_a_bad_file_is_refused_in_french(session):
    with pytest.raises(RuleViolation, match="fichier"):
        direct_debits.import_rejects(b"not xml at all")


def test_chosen_invoices_too_wait_for_the_debit_date_printed_on_them(session, town):
    """Attack review: a run given a list debited invoices whose printed date was later, or
    that never announced a debit."""
    from app.models import Invoice

    regie = town["regie"]
    _, (later,) = factories.debit_payer(session, regie, "35.00", last="Plustard")
    _, (undated,) = factories.debit_payer(session, regie, "42.00", last="Sansdate")
    session.execute(sa.update(Invoice).where(Invoice.id == later.id)
                    .values(debit_date=date(2027, 2, 15)))
    session.execute(sa.update(Invoice).where(Invoice.id == undated.id).values(debit_date=None))
    result = direct_debits.run(regie.id, DAY, invoice_ids=[later.id, undated.id])
    assert result["count"] == 0
    assert [(r["invoice_id"], r["code"]) for r in result["refused"]] == [
        (later.id, "not_eligible"), (undated.id, "not_eligible")]
    assert "date de prélèvement" in result["refused"][0]["reason"]
