"""SEPA identifiers and mandates: what the bank would refuse is refused here first, with the
reason in the user's words."""
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from app.extensions import db
from app.models import Mandate, Person, Regie
from app.services import RuleViolation, journal
from app.services.calendar import today_in_town

# SEPA creditor identifier: country, 2 check digits, 3-character business code, national id.
_ICS = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$")
# The EPC's restricted character set for identifiers, spaces excluded: French banks refuse them
# in a RUM. No leading or trailing « / », no « // ».
_RUM = re.compile(r"^(?!/)(?!.*//)[A-Za-z0-9/\-?:().,'+]{1,35}(?<!/)$")


def ics_is_valid(creditor_id: str) -> bool:
    """ISO 7064 MOD 97-10 over the national id and country, the business code left out."""
    value = (creditor_id or "").replace(" ", "").upper()
    if not _ICS.match(value):
        return False
    rearranged = value[7:] + value[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


def checked_iban(text: str, field: str = "iban") -> str:
    """The IBAN without spaces, its check digits and its national key (the French RIB key)
    verified."""
    try:
        return IBAN(text or "", validate_bban=True).compact
    except SchwiftyException:
        raise RuleViolation(_("This IBAN is not valid: check its digits."), field)


# Debtors the régie's file can reach without their postal address: the EEA. SEPA's other
# members (GB, CH, MC, SM, VA, AD) need it in the file, which Marelle does not write.
DEBIT_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI "
    "SK".split())


def checked_debtor_iban(text: str, field: str = "iban") -> str:
    """A mandate's IBAN: valid, and of a country the régie may debit."""
    iban = checked_iban(text, field)
    if iban[:2] not in DEBIT_COUNTRIES:
        raise RuleViolation(_("Direct debits reach accounts in the European Economic Area "
                              "only: this IBAN is from %(country)s.", country=iban[:2]), field)
    return iban


def checked_bic(text: str, field: str = "bic") -> str:
    try:
        return str(BIC((text or "").replace(" ", "")))
    except SchwiftyException:
        raise RuleViolation(_("This BIC is not valid."), field)


def masked_iban(iban: str) -> str:
    """« FR76…2358 »: what an invoice prints of the account debited."""
    return f"{iban[:4]}…{iban[-4:]}" if iban else ""


def rum_for(regie: Regie, adult: Person) -> str:
    """A fresh RUM proposed for a new mandate: régie code, adult number, rank."""
    count = db.session.scalar(sa.select(sa.func.count(Mandate.id)).where(
        Mandate.regie_id == regie.id, Mandate.adult_id == adult.id)) or 0
    return re.sub(r"[^A-Za-z0-9-]", "", f"{regie.code}-{adult.id:06d}-{count + 1}")[:35]


def check_mandate(mandate: Mandate, before: Optional[dict] = None) -> Mandate:
    """Check and normalise a mandate a form or the API filled in. `before` is what it held
    when the edit began (None for a new one): an IBAN changed on a mandate already used is an
    amendment the next collection reports."""
    adult = mandate.adult or (db.session.get(Person, mandate.adult_id)
                              if mandate.adult_id else None)
    if adult is None or adult.kind != "adult":
        raise RuleViolation(_("A mandate is signed by an adult (a legal guardian)."), "adult_id")
    regie = mandate.regie or (db.session.get(Regie, mandate.regie_id)
                              if mandate.regie_id else None)
    if regie is None:
        raise RuleViolation(_("Unknown régie."), "regie_id")
    # A blank RUM gets one made up.
    mandate.rum = (mandate.rum or "").strip() or rum_for(regie, adult)
    if not _RUM.match(mandate.rum):
        raise RuleViolation(_(
            "The RUM has 1 to 35 characters among letters without accents, digits and "
            "/ - ? : ( ) . , ' + (no space), and does not begin or end with « / »."), "rum")
    if mandate.signed_on is None:
        raise RuleViolation(_("The signature date is required."), "signed_on")
    if mandate.signed_on > today_in_town():
        raise RuleViolation(_("A mandate cannot be signed in the future."), "signed_on")
    mandate.iban = checked_debtor_iban(mandate.iban)
    mandate.bic = checked_bic(mandate.bic) if (mandate.bic or "").strip() else None
    mandate.status = mandate.status or "active"
    if mandate.status not in ("active", "revoked"):
        raise RuleViolation(_("A mandate is active or revoked."), "status")
    if before and before.get("status") == "revoked" and mandate.status == "active":
        # SEPA: a revoked mandate is never presented again.
        raise RuleViolation(_("A revoked mandate is never used again: have the family sign a "
                              "new one."), "status")
    same_rum = sa.select(Mandate.id).where(Mandate.regie_id == regie.id,
                                          Mandate.rum == mandate.rum)
    if mandate.id:
        same_rum = same_rum.where(Mandate.id != mandate.id)
    with db.session.no_autoflush:
        if db.session.scalar(same_rum):
            raise RuleViolation(_("This RUM is already used by another mandate of the régie."),
                                "rum")
        if mandate.status == "active":
            other = sa.select(Mandate.rum).where(
                Mandate.regie_id == regie.id, Mandate.adult_id == adult.id,
                Mandate.status == "active")
            if mandate.id:
                other = other.where(Mandate.id != mandate.id)
            active_rum = db.session.scalar(other)
            if active_rum:
                raise RuleViolation(_(
                    "%(name)s already has an active mandate for this régie (RUM %(rum)s): "
                    "revoke it first.", name=adult.full_name, rum=active_rum), "status")
    if mandate.status == "revoked" and mandate.revoked_on is None:
        mandate.revoked_on = today_in_town()
    if mandate.status == "active":
        mandate.revoked_on = None
    if before and before.get("iban") and before["iban"] != mandate.iban \
            and mandate.first_collected_on and not mandate.amended_from_iban:
        mandate.amended_from_iban = before["iban"]
    return mandate


def save_mandate(mandate: Mandate, before: Optional[dict] = None) -> Mandate:
    check_mandate(mandate, before)
    db.session.add(mandate)
    db.session.flush()
    journal.record("mandate_amend" if before else "mandate_create", mandate,
                   before=_journalled(before) if before else None,
                   after=mandate_state(mandate))
    return mandate


def _journalled(state: dict) -> dict:
    """The journal cannot forget what it holds: it keeps a masked IBAN, enough to see that
    the account changed, not the account itself."""
    return {**state, "iban": masked_iban(state["iban"]) if state.get("iban") else None}


def mandate_state(mandate: Mandate) -> dict:
    """What the journal keeps of a mandate before and after a change."""
    return _journalled({"adult_id": mandate.adult_id, "regie_id": mandate.regie_id,
                        "rum": mandate.rum, "iban": mandate.iban, "bic": mandate.bic,
                        "status": mandate.status, "signed_on": str(mandate.signed_on),
                        "revoked_on": mandate.revoked_on})


def revoke(mandate: Mandate, on: Optional[date] = None) -> Mandate:
    before = mandate_state(mandate)
    mandate.status = "revoked"
    mandate.revoked_on = on or today_in_town()
    db.session.flush()
    journal.record("mandate_revoke", mandate, before=before, after=mandate_state(mandate))
    return mandate


def active_mandate(adult_id: int, regie_id: int) -> Optional[Mandate]:
    return db.session.scalar(sa.select(Mandate).where(
        Mandate.adult_id == adult_id, Mandate.regie_id == regie_id,
        Mandate.status == "active"))


def committed_state(mandate: Mandate) -> dict:
    """What an edited mandate held before the form or the API changed it (its last commit)."""
    inspected = sa.inspect(mandate)
    state = {}
    for key in ("rum", "iban", "bic", "status", "signed_on"):
        history = inspected.attrs[key].history
        value = history.deleted[0] if history.deleted else getattr(mandate, key)
        state[key] = str(value) if key == "signed_on" else value
    return state


# ---------------------------------------------------------------------------------------------
# The pain.008 file a régie sends its bank


@dataclass(frozen=True)
class Collection:
    """One direct debit of a file: whose account, under which mandate, how much, and the
    end-to-end id that the bank's rejects will quote back."""

    end_to_end_id: str
    amount: Decimal
    debtor_name: str
    iban: str
    bic: Optional[str]
    rum: str
    signed_on: date
    sequence: str
    label: str
    amended_from_iban: Optional[str] = None


def collection_of(mandate: Mandate, end_to_end_id: str, amount: Decimal, debtor_name: str,
                  label: str) -> Collection:
    return Collection(end_to_end_id=end_to_end_id, amount=amount, debtor_name=debtor_name,
                      iban=mandate.iban, bic=mandate.bic, rum=mandate.rum,
                      signed_on=mandate.signed_on, sequence=sequence_of(mandate), label=label,
                      amended_from_iban=mandate.amended_from_iban)


def _changed_bank(old_iban: str, new_iban: str) -> bool:
    try:
        return IBAN(old_iban).bank_code != IBAN(new_iban).bank_code or old_iban[:2] != new_iban[:2]
    except SchwiftyException:
        return True


def sequence_of(mandate: Mandate) -> str:
    """FRST for a mandate never collected, and again after a move to another bank (the EPC's
    « SMNDA » amendment); RCUR otherwise."""
    if mandate.amended_from_iban and _changed_bank(mandate.amended_from_iban, mandate.iban):
        return "FRST"
    return mandate.sequence


def earliest_collection_date(today: date) -> date:
    """The file reaches the bank one TARGET day before the collection at the latest; asking
    two TARGET days ahead leaves the day of sending itself."""
    day, left = today, 2
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in _target_holidays(day.year):
            left -= 1
    return day


def _target_holidays(year: int) -> set:
    from dateutil.easter import easter

    easter_day = easter(year)
    return {date(year, 1, 1), easter_day - timedelta(days=2), easter_day + timedelta(days=1),
            date(year, 5, 1), date(year, 12, 25), date(year, 12, 26)}


def check_creditor(regie: Regie) -> None:
    """A régie can send direct debits once its ICS and its account are right."""
    if not ics_is_valid(regie.creditor_id or ""):
        raise RuleViolation(_("The régie %(regie)s has no valid SEPA creditor identifier (ICS): "
                              "set it on the régie first.", regie=regie.name), "creditor_id")
    if not regie.iban:
        raise RuleViolation(_("The régie %(regie)s has no IBAN: set it on the régie first.",
                              regie=regie.name), "iban")
    checked_iban(regie.iban)


_PAIN = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"
# The EPC's basic Latin set for names and remittance text.
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")


def sepa_text(text: str) -> str:
    """Text the banks accept: letters without accents (« Dvořák » -> « Dvorak », other
    scripts transliterated), the EPC's punctuation, anything else a space."""
    from text_unidecode import unidecode

    return " ".join(_NOT_SEPA.sub(" ", unidecode(text or "")).split())


def direct_debit_xml(regie: Regie, collection_date: date, collections, message_id: str,
                     created_at) -> bytes:
    """The pain.008.001.02 file of `collections`, validated against the schema before it is
    returned. `message_id` (unique per régie, e.g. the deposit's number) and `created_at` are
    what the bank sees as the file's identity."""
    from sepaxml import SepaDD

    check_creditor(regie)
    config = {"name": sepa_text(regie.name), "IBAN": regie.iban, "batch": True,
              "creditor_id": regie.creditor_id, "currency": "EUR"}
    if regie.bic:
        config["BIC"] = regie.bic
    debit = SepaDD(config, schema="pain.008.001.02", clean=True)
    for collection in collections:
        payment = {
            "name": sepa_text(collection.debtor_name)[:70], "IBAN": collection.iban,
            "amount": int((collection.amount * 100).to_integral_value()),
            "type": collection.sequence, "collection_date": collection_date,
            "mandate_id": collection.rum, "mandate_date": collection.signed_on,
            "description": sepa_text(collection.label)[:140],
            "endtoend_id": collection.end_to_end_id[:35],
        }
        bic = collection.bic or _bic_of(collection.iban)
        if bic:
            payment["BIC"] = bic
        debit.add_payment(payment)
    document = ET.fromstring(debit.export(validate=False))
    namespace = {"p": _PAIN}
    header = document.find("p:CstmrDrctDbtInitn/p:GrpHdr", namespace)
    header.find("p:MsgId", namespace).text = message_id[:35]
    header.find("p:CreDtTm", namespace).text = created_at.strftime("%Y-%m-%dT%H:%M:%S")
    amended = {c.end_to_end_id[:35]: c for c in collections if c.amended_from_iban}
    for transaction in document.iter(f"{{{_PAIN}}}DrctDbtTxInf"):
        collection = amended.get(transaction.find("p:PmtId/p:EndToEndId", namespace).text)
        if collection:
            _add_amendment(transaction.find("p:DrctDbtTx/p:MndtRltdInf", namespace), collection)
    ET.register_namespace("", _PAIN)
    xml = ET.tostring(document, encoding="utf-8", xml_declaration=True)
    error = schema_error(xml)
    if error:
        # Every value was checked before: this is a bug to report, never a file to send.
        raise RuleViolation(_("The direct-debit file does not follow the SEPA schema "
                              "(pain.008.001.02): %(error)s", error=error))
    return xml


def schema_error(xml: bytes) -> Optional[str]:
    """The first way the file breaks the pain.008.001.02 schema, or None. libxml2 (lxml)
    checks a 10,000-debit file in a fraction of a second where xmlschema takes ten."""
    from lxml import etree

    schema = _pain_schema()
    if schema.validate(etree.fromstring(xml)):
        return None
    return str(schema.error_log.last_error.message)


def _add_amendment(mandate_info, collection: Collection) -> None:
    """EPC rulebook: a new account at the same bank is told as the original account; a new bank
    as « SMNDA » (and the collection is a FRST again)."""
    def node(parent, name, text=None):
        child = ET.SubElement(parent, f"{{{_PAIN}}}{name}")
        child.text = text
        return child

    signature = mandate_info.find(f"{{{_PAIN}}}DtOfSgntr")
    position = list(mandate_info).index(signature) + 1
    indicator = ET.Element(f"{{{_PAIN}}}AmdmntInd")
    indicator.text = "true"
    details = ET.Element(f"{{{_PAIN}}}AmdmntInfDtls")
    if _changed_bank(collection.amended_from_iban, collection.iban):
        agent = node(node(details, "OrgnlDbtrAgt"), "FinInstnId")
        node(node(agent, "Othr"), "Id", "SMNDA")
    else:
        node(node(node(details, "OrgnlDbtrAcct"), "Id"), "IBAN", collection.amended_from_iban)
    mandate_info.insert(position, indicator)
    mandate_info.insert(position + 1, details)


def _bic_of(iban: str) -> Optional[str]:
    try:
        parsed = IBAN(iban)
    except SchwiftyException:
        return None
    return _bic_of_bank(parsed.country_code, parsed.bank_code)


@lru_cache(maxsize=4096)
def _bic_of_bank(country_code: str, bank_code: str) -> Optional[str]:
    """Looked up once per bank: schwifty scans its whole registry for each lookup."""
    from schwifty import BIC as Bic

    try:
        bic = Bic.from_bank_code(country_code, bank_code)
        return str(bic) if bic else None
    except SchwiftyException:
        return None


@lru_cache(maxsize=1)
def _pain_schema():
    import os

    import sepaxml
    from lxml import etree

    return etree.XMLSchema(etree.parse(os.path.join(os.path.dirname(sepaxml.__file__),
                                                    "schemas", "pain.008.001.02.xsd")))
