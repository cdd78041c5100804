"""What the bank sends back about direct debits: the reason codes of rejects and returns, what
each means for the family, and the bank's files (pain.002, camt.054) read into
(end-to-end id, reason code) pairs."""
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services import RuleViolation

# What the régie does next, by reason code (EPC's SDD rulebook and the French banks' usage).
PRESENT_AGAIN = "present_again"        # the same debit may be presented once more
OTHER_METHOD = "other_method"          # the mandate ends: the family pays another way
FIX_DETAILS = "fix_details"            # the mandate's details are wrong: correct them first

REASONS = {
    "AM04": (_l("Insufficient funds"), PRESENT_AGAIN),
    "MS03": (_l("Reason not given by the bank"), PRESENT_AGAIN),
    "AC04": (_l("Account closed"), OTHER_METHOD),
    "AC06": (_l("Account blocked"), OTHER_METHOD),
    "AG01": (_l("Direct debits forbidden on this account"), OTHER_METHOD),
    "MD01": (_l("No valid mandate"), OTHER_METHOD),
    "MD06": (_l("Disputed by the account holder (refund requested)"), OTHER_METHOD),
    "MD07": (_l("Account holder deceased"), OTHER_METHOD),
    "MS02": (_l("Refused by the account holder"), OTHER_METHOD),
    "SL01": (_l("Refused by a service of the holder's bank"), OTHER_METHOD),
    "AC01": (_l("Wrong account number"), FIX_DETAILS),
    "AC13": (_l("The account is a consumer account"), FIX_DETAILS),
    "AM05": (_l("Debit already made (duplicate)"), FIX_DETAILS),
    "BE05": (_l("Creditor not recognised"), FIX_DETAILS),
    "MD02": (_l("Mandate details missing or wrong"), FIX_DETAILS),
    "RC01": (_l("Wrong bank identifier (BIC)"), FIX_DETAILS),
    "RR01": (_l("Regulatory reason: missing debtor account or identification"), FIX_DETAILS),
    "RR02": (_l("Regulatory reason: missing debtor name or address"), FIX_DETAILS),
    "RR03": (_l("Regulatory reason: missing creditor name or address"), FIX_DETAILS),
    "RR04": (_l("Regulatory reason"), FIX_DETAILS),
    "FF01": (_l("File format refused by the bank"), FIX_DETAILS),
}

ADVICE = {
    PRESENT_AGAIN: _l("The debit may be presented again once; otherwise the family pays "
                      "another way."),
    OTHER_METHOD: _l("The mandate can no longer be used: revoke it and ask the family for "
                     "another payment method (or a new mandate on another account)."),
    FIX_DETAILS: _l("Correct the mandate's details with the family (account, BIC or mandate "
                    "reference) before any new debit."),
}


@dataclass(frozen=True)
class Reason:
    code: str
    meaning: str
    action: str
    advice: str

    @property
    def may_present_again(self) -> bool:
        return self.action == PRESENT_AGAIN

    @property
    def ends_mandate(self) -> bool:
        return self.action == OTHER_METHOD


def reason(code: str) -> Reason:
    """The reason of a SEPA code, refused when unknown (a typo must not reject a payment)."""
    code = (code or "").strip().upper()
    if code not in REASONS:
        raise RuleViolation(_("Unknown SEPA reason code « %(code)s ».", code=code),
                            "reason_code")
    meaning, action = REASONS[code]
    return Reason(code, str(meaning), action, str(ADVICE[action]))


def describe(code: str) -> Reason:
    """The reason of a code a bank's file gave, even one missing from the table: the bank's
    reject is a fact to record, not a typo to refuse."""
    try:
        return reason(code)
    except RuleViolation:
        return Reason((code or "").strip().upper(), _("Code not in Marelle's list"),
                      FIX_DETAILS, str(ADVICE[FIX_DETAILS]))


def choices() -> list:
    """[(code, « CODE — meaning »)] for the reject form, the codes that may be presented
    again first."""
    return [(code, f"{code} — {meaning}") for code, (meaning, action) in sorted(
        REASONS.items(), key=lambda item: (item[1][1] != PRESENT_AGAIN, item[0]))]


# ---------------------------------------------------------------------------------------------
# The bank's files

MAX_FILE_BYTES = 20 * 1024 * 1024


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element, *path):
    for name in path:
        element = next((c for c in element if _local(c.tag) == name), None)
        if element is None:
            return None
    return element


def _text(element, *path) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def read_returns(data: bytes) -> list:
    """[(end-to-end id, reason code)] of the rejected or returned debits in a pain.002
    (payment status report) or camt.054 (debit/credit notification) file."""
    if len(data) > MAX_FILE_BYTES:
        raise RuleViolation(_("This file is too large for a bank's reject file."), "file")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except Exception:
        raise RuleViolation(_("This file is not a bank's XML reject file (pain.002 or "
                               "camt.054)."), "file")
    document = root[0] if len(root) else root
    kind = _local(document.tag)
    found = []
    if kind == "CstmrPmtStsRpt":  # pain.002
        _refuse_whole_rejections(document)
        for status in document.iter():
            if _local(status.tag) != "TxInfAndSts":
                continue
            # Only a line the bank says it rejected: a line without a status inherits its
            # batch's, which is not a rejection here (whole rejections are refused above).
            if _text(status, "TxSts") != "RJCT":
                continue
            found.append((_text(status, "OrgnlEndToEndId"), _reason_code(status, "StsRsnInf")))
    elif kind == "BkToCstmrDbtCdtNtfctn":  # camt.054
        for details in document.iter():
            if _local(details.tag) != "TxDtls":
                continue
            code = _reason_code(details, "RtrInf")
            if code:
                found.append((_text(details, "Refs", "EndToEndId"), code))
    else:
        raise RuleViolation(_("This file is not a bank's XML reject file (pain.002 or "
                               "camt.054)."), "file")
    # A SEPA code has 4 characters and an end-to-end id 35: anything longer is not ours.
    return [(e2e[:35], code.upper()[:10]) for e2e, code in found if e2e]


def _reason_code(element, info) -> str:
    """The ISO code of a reason, or the bank's own (« Prtry ») when it gives no ISO one."""
    return _text(element, info, "Rsn", "Cd") or _text(element, info, "Rsn", "Prtry")


def _refuse_whole_rejections(report) -> None:
    """A status report that rejects a whole file or batch lists no transaction: importing it
    as « nothing rejected » would leave every debit paid though the bank collected nothing."""
    for element in report.iter():
        name = _local(element.tag)
        if name not in ("OrgnlGrpInfAndSts", "OrgnlPmtInfAndSts"):
            continue
        status = _text(element, "GrpSts" if name == "OrgnlGrpInfAndSts" else "PmtInfSts")
        if status == "RJCT":
            reference = _text(element, "OrgnlMsgId" if name == "OrgnlGrpInfAndSts"
                              else "OrgnlPmtInfId")
            raise RuleViolation(_(
                "The bank rejected a whole file or batch (« %(reference)s », reason "
                "%(code)s): no debit of it was collected. Reject its payments from the "
                "deposit's page, then send the file again.", reference=reference,
                code=_reason_code(element, "StsRsnInf") or "—"), "file")
