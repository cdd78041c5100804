"""The bank's answers: reason codes and what to do, and its reject files read."""
import pytest

from app.services import RuleViolation
from app.services.sepa_returns import read_returns, reason

PAIN_002 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
 <CstmrPmtStsRpt>
  <GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2026-12-11T08:00:00</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts><OrgnlMsgId>ENF-P-2026-000004</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId></OrgnlGrpInfAndSts>
  <OrgnlPmtInfAndSts><OrgnlPmtInfId>B1</OrgnlPmtInfId>
   <TxInfAndSts><OrgnlEndToEndId>ENF-F-2026-000001</OrgnlEndToEndId><TxSts>RJCT</TxSts>
    <StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf></TxInfAndSts>
   <TxInfAndSts><OrgnlEndToEndId>ENF-F-2026-000002</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>
   <TxInfAndSts><OrgnlEndToEndId>ENF-F-2026-000003</OrgnlEndToEndId><TxSts>RJCT</TxSts>
    <StsRsnInf><Rsn><Cd>md01</Cd></Rsn></StsRsnInf></TxInfAndSts>
  </OrgnlPmtInfAndSts>
 </CstmrPmtStsRpt>
</Document>"""

CAMT_054 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">
 <BkToCstmrDbtCdtNtfctn>
  <GrpHdr><MsgId>N-1</MsgId><CreDtTm>2026-12-12T08:00:00</CreDtTm></GrpHdr>
  <Ntfctn><Id>N-1</Id><CreDtTm>2026-12-12T08:00:00</CreDtTm>
   <Ntry><Amt Ccy="EUR">12.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
    <NtryDtls><TxDtls><Refs><EndToEndId>ENF-F-2026-000007</EndToEndId></Refs>
     <RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>
   <Ntry><Amt Ccy="EUR">30.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <NtryDtls><TxDtls><Refs><EndToEndId>ENF-F-2026-000008</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>
  </Ntfctn>
 </BkToCstmrDbtCdtNtfctn>
</Document>"""


def test_a_payment_status_report_gives_its_rejects_only():
    assert read_returns(PAIN_002) == [("ENF-F-2026-000001", "AM04"),
                                      ("ENF-F-2026-000003", "MD01")]


def test_a_debit_notification_gives_its_returns_only():
    assert read_returns(CAMT_054) == [("ENF-F-2026-000007", "AC04")]


@pytest.mark.parametrize("data", [
    b"not xml at all", b"<Document><Other/></Document>",
    # An entity bomb is refused before it expands.
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
    b"<Document><CstmrPmtStsRpt>&b;</CstmrPmtStsRpt></Document>",
])
def test_anything_else_is_refused_with_a_reason(app, data):
    with app.test_request_context():
        with pytest.raises(RuleViolation) as refused:
            read_returns(data)
    assert "pain.002 ou camt.054" in refused.value.message


@pytest.mark.parametrize("code, again, ends", [
    ("AM04", True, False), ("MS03", True, False),
    ("AC04", False, True), ("AC06", False, True), ("AG01", False, True), ("MD01", False, True),
    ("MD06", False, True), ("MD07", False, True), ("MS02", False, True),
    ("AC01", False, False), ("RC01", False, False),
])
def test_only_am04_and_ms03_may_be_presented_again(app, code, again, ends):
    with app.test_request_context():
        found = reason(code.lower())
    assert (found.code, found.may_present_again, found.ends_mandate) == (code, again, ends)
    assert found.meaning and found.advice


def test_the_advice_is_in_french(app):
    with app.test_request_context():
        assert reason("AM04").meaning == "Provision insuffisante"
        assert reason("AC04").advice.startswith("Le mandat ne peut plus servir")
        with pytest.raises(RuleViolation) as refused:
            reason("XX99")
    assert refused.value.message == "Code de motif SEPA inconnu : « XX99 »."


WHOLE_FILE_REJECTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
 <GrpHdr><MsgId>STS-2</MsgId><CreDtTm>2026-12-11T08:00:00</CreDtTm></GrpHdr>
 <OrgnlGrpInfAndSts><OrgnlMsgId>ENF-D-2026-000004</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>
  <GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf></OrgnlGrpInfAndSts>
</CstmrPmtStsRpt></Document>"""


def test_a_file_rejected_whole_is_refused_not_read_as_nothing_rejected(app):
    """Attack review: a whole-file rejection imported as « 0 rejected » left every debit
    paid though the bank collected nothing."""
    with app.test_request_context():
        with pytest.raises(RuleViolation) as refused:
            read_returns(WHOLE_FILE_REJECTED)
    assert "« ENF-D-2026-000004 »" in refused.value.message and "FF01" in refused.value.message


def test_only_lines_the_bank_rejects_count_and_codes_are_cut_to_size():
    unstated = PAIN_002.replace(b"<TxSts>ACSC</TxSts>", b"")
    assert read_returns(unstated) == [("ENF-F-2026-000001", "AM04"),
                                      ("ENF-F-2026-000003", "MD01")]
    long_code = CAMT_054.replace(b"<Cd>AC04</Cd>", b"<Cd>" + b"Q" * 300 + b"</Cd>")
    assert read_returns(long_code) == [("ENF-F-2026-000007", "Q" * 10)]
    proprietary = CAMT_054.replace(b"<Cd>AC04</Cd>", b"<Prtry>AC06</Prtry>")
    assert read_returns(proprietary) == [("ENF-F-2026-000007", "AC06")]
