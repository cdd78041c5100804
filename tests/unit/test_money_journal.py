"""The money journal: every operation on money or an invoice leaves one chained row saying what
changed; an edited or deleted row is detected; the database refuses to change it."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.models import Adjustment, Invoice, JournalEntry, Payment
from app.services import (
    billing,
    billing_rules,
    bookings,
    deposits,
    direct_debits,
    journal,
    payments,
    sepa,
)
from tests import factories
from tests.unit.test_direct_debits import DAY, reject_file
from tests.unit.test_prepaid import DECEMBER, prepaid_family  # noqa: F401 (fixture)

D = Decimal


def rows(session, action=None):
    query = sa.select(JournalEntry).order_by(JournalEntry.seq)
    if action:
        query = query.where(JournalEntry.action == action)
    return session.scalars(query).all()


def last(session, action):
    found = rows(session, action)
    assert found, f"no {action} row"
    return found[-1]


def draft(session, payer, regie, total="50.00"):
    invoice = Invoice(kind="invoice", regie_id=regie.id, payer_id=payer.id, status="draft",
                      period_start=date(2026, 11, 1), period_end=date(2026, 11, 30),
                      due_date=date(2026, 12, 15), total=D(total))
    session.add(invoice)
    session.flush()
    return invoice


# ---------------------------------------------------------------------------------------------
# What each operation writes


def test_a_validation_writes_one_row_for_the_whole_batch(session):
    payer, regie, _ = factories.payer_with_invoices(session)
    first, second = draft(session, payer, regie, "12.50"), draft(session, payer, regie, "30.00")
    numbers = billing.validate([first.id, second.id])
    row = last(session, "validate_invoices")
    assert (row.entity, row.entity_id) == ("Invoice", None)
    assert row.before == {"status": "draft", "invoices": [first.id, second.id]}
    assert row.after["total"] == "42.50" and row.after["count"] == 2
    assert row.after["issue_date"] == "2026-11-20"
    assert row.after["invoices"] == {
        str(first.id): {"number": numbers[first.id], "total": "12.50", "payer_id": payer.id},
        str(second.id): {"number": numbers[second.id], "total": "30.00", "payer_id": payer.id}}
    assert len(rows(session, "validate_invoices")) == 1


def test_a_credit_note_says_what_it_credits_and_what_goes_back_to_the_account(session):
    payer, regie, (invoice,) = factories.payer_with_invoices(session, "50.00")
    payments.record_payment(payer.id, regie.id, "50,00", "cash", invoice_ids=[invoice.id])
    before = len(rows(session, "validate_invoices"))
    note = billing.credit_note(invoice, amount="20,00", reason="Grève")
    row = last(session, "credit_note")
    assert (row.entity, row.entity_id) == ("Invoice", invoice.id)
    assert row.before == {"credited": "0.00", "left": "50.00"}
    assert row.after["number"] == note.number and row.after["amount"] == "20.00"
    assert (row.after["credited"], row.after["left"]) == ("20.00", "30.00")
    assert row.after["reason"] == "Grève"
    payment_id = session.scalar(sa.select(Payment.id))
    assert row.after["given_back_to_account"] == {str(payment_id): "20.00"}
    # The note's own numbering is in this row, not in a validation row of its own.
    assert len(rows(session, "validate_invoices")) == before


def test_adjustments_on_a_draft_are_journalled_with_the_totals(session):
    from tests.unit.test_billing import family, generate, invoices_by_payer

    meal, _, mother, _, child, subscription = family(session)
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    (invoice,) = invoices_by_payer(session, generate(meal)).values()
    assert invoice.total == D("51.00")
    adjustment = billing.add_adjustment(invoice, "Remise fratrie", "discount", "5,00")
    added = last(session, "adjustment_add")
    assert (added.entity, added.entity_id) == ("Invoice", invoice.id)
    assert added.before == {"adjustment": None, "totals": {str(invoice.id): "51.00"}}
    assert added.after["totals"] == {str(invoice.id): "46.00"}
    assert (added.after["adjustment"]["label"], added.after["adjustment"]["amount"],
            added.after["adjustment"]["kind"]) == ("Remise fratrie", "5.00", "discount")

    adjustment.amount = D("7.50")
    billing.save_adjustment(adjustment)
    session.flush()
    changed = last(session, "adjustment_change")
    assert changed.before["adjustment"]["amount"] == "5.00"
    assert changed.after["adjustment"]["amount"] == "7.50"
    assert changed.after["adjustment"]["id"] == adjustment.id
    assert (changed.before["totals"], changed.after["totals"]) == (
        {str(invoice.id): "46.00"}, {str(invoice.id): "43.50"})

    billing.remove_adjustment(adjustment)
    session.delete(adjustment)
    session.flush()
    removed = last(session, "adjustment_remove")
    assert removed.before["adjustment"]["amount"] == "7.50" and removed.after["adjustment"] is None
    assert removed.after["totals"] == {str(invoice.id): "51.00"}
    assert session.scalar(sa.select(sa.func.count(Adjustment.id))) == 0


def test_payments_recorded_allocated_and_deleted(session):
    payer, regie, (first, second) = factories.payer_with_invoices(session, "30.00", "25.00")
    payment = payments.record_payment(payer.id, regie.id, "50,00", "cheque",
                                      cheque_number="1234567", invoice_ids=[first.id])
    recorded = last(session, "record_payment")
    assert (recorded.entity, recorded.entity_id) == ("Payment", payment.id)
    assert recorded.after["amount"] == "50.00" and recorded.after["method"] == "cheque"
    assert recorded.after["invoices"] == {str(first.id): "30.00"}
    assert recorded.after["to_account"] == "20.00" and recorded.after["date"] == "2026-11-20"

    payments.allocate_credit(second.id)
    allocated = last(session, "allocate_credit")
    assert (allocated.entity, allocated.entity_id) == ("Invoice", second.id)
    assert allocated.before == {"due": "25.00", "account_balance": "20.00"}
    assert allocated.after == {"due": "5.00", "account_balance": "0.00", "amount": "20.00",
                               "from_payments": {str(payment.id): "20.00"}}

    other = payments.record_payment(payer.id, regie.id, "5,00", "cash",
                                    invoice_ids=[second.id])
    payments.delete_payment(other)
    deleted = last(session, "delete_payment")
    assert (deleted.entity, deleted.entity_id, deleted.after) == ("Payment", other.id, None)
    assert deleted.before["amount"] == "5.00"
    assert deleted.before["allocations"] == {str(second.id): "5.00"}


def test_deposits_created_sent_and_deleted(session):
    payer, regie, _ = factories.payer_with_invoices(session)
    cash = payments.record_payment(payer.id, regie.id, "12,00", "cash")
    cheque = payments.record_payment(payer.id, regie.id, "8,00", "cheque", cheque_number="77")
    made = deposits.create_deposits([cash.id, cheque.id])
    created = rows(session, "create_deposit")
    assert [r.entity_id for r in created] == [d.id for d in made]
    assert {r.after["method"]: r.after["payments"] for r in created} == {
        "cash": {str(cash.id): "12.00"}, "cheque": {str(cheque.id): "8.00"}}
    sent, kept = made if made[0].method == "cash" else made[::-1]
    deposits.mark_sent(sent)
    assert last(session, "send_deposit").entity_id == sent.id
    assert last(session, "send_deposit").before == {"sent_at": None}
    kept_id = kept.id
    deposits.delete_deposit(kept)
    deleted = last(session, "delete_deposit")
    assert (deleted.entity_id, deleted.before["payments"], deleted.after) == (
        kept_id, [cheque.id], None)


@pytest.fixture
def debit_town(session):
    regie = factories.sepa_regie(session)
    alice, (a1, a2) = factories.debit_payer(session, regie, "42.50", "10.05", last="Alice")
    bruno, (b1,) = factories.debit_payer(session, regie, "30.00", last="Bruno")
    return dict(regie=regie, invoices=[a1, a2, b1])


def test_a_direct_debit_run_and_its_rejects(session, debit_town):
    done = direct_debits.run(debit_town["regie"].id, DAY)
    run = last(session, "direct_debit_run")
    assert (run.entity, run.entity_id) == ("Deposit", done["deposit_id"])
    assert run.after["count"] == 3 and run.after["total"] == "82.55"
    a1 = debit_town["invoices"][0]
    assert run.after["debits"][str(a1.id)]["amount"] == "42.50"
    debits = session.scalars(sa.select(Payment).where(Payment.deposit_id == done["deposit_id"])
                             .order_by(Payment.id)).all()

    direct_debits.reject(debits[0], "AM04")
    single = last(session, "reject_direct_debit")
    assert (single.entity, single.entity_id) == ("Payment", debits[0].id)
    assert single.after["payments"] == {str(debits[0].id): {
        "reason_code": "AM04", "amount": "42.50", "invoices": {str(a1.id): "42.50"}}}
    assert single.after["mandates_revoked"] == []

    data = reject_file([(debits[1].end_to_end_id, "AM04"), (debits[2].end_to_end_id, "MD01"),
                        ("P999999-INCONNUE", "AC04")])
    direct_debits.import_rejects(data)
    imported = last(session, "import_rejects")
    assert imported.entity_id is None
    assert set(imported.after["payments"]) == {str(debits[1].id), str(debits[2].id)}
    assert imported.after["unmatched"] == [{"end_to_end_id": "P999999-INCONNUE",
                                            "reason_code": "AC04"}]
    assert len(imported.after["mandates_revoked"]) == 1
    # A file naming only debits already rejected changes no money: no row.
    count = len(rows(session))
    direct_debits.import_rejects(data)
    assert len(rows(session)) == count


def test_prepaid_bookings_write_one_row_per_operation(session, prepaid_family):  # noqa: F811
    regie, meal, mother, child = prepaid_family
    bookings.bulk_book(child, meal, *DECEMBER, weekdays=[0, 1, 3, 4])
    debit = last(session, "prepaid_debit")
    assert (debit.entity, debit.entity_id) == ("Person", child.id)
    assert debit.after["count"] == 4 and debit.after["total"] == "-12.80"
    assert {e["service_date"] for e in debit.after["entries"]} == {
        "2026-12-07", "2026-12-08", "2026-12-10", "2026-12-11"}
    assert all(e["adult_id"] == mother.id and e["amount"] == "-3.20"
               for e in debit.after["entries"])
    bookings.cancel(child, meal, date(2026, 12, 7))
    refund = last(session, "prepaid_refund")
    assert refund.after["count"] == 1 and refund.after["total"] == "3.20"
    assert refund.after["entries"][0]["service_date"] == "2026-12-07"


def test_mandates_created_amended_and_revoked_keep_a_masked_iban(session):
    regie = factories.sepa_regie(session)
    payer, _ = factories.debit_payer(session, regie, last="Mandat")
    mandate = sepa.active_mandate(payer.id, regie.id)
    created = last(session, "mandate_create")
    assert created.before is None
    assert created.after["iban"] == "FR14…2606" and created.after["status"] == "active"
    before = sepa.committed_state(mandate)
    mandate.iban = "FR7630004000010000000012358"
    sepa.save_mandate(mandate, before)
    amended = last(session, "mandate_amend")
    assert (amended.before["iban"], amended.after["iban"]) == ("FR14…2606", "FR76…2358")
    sepa.revoke(mandate)
    revoked = last(session, "mandate_revoke")
    assert (revoked.before["status"], revoked.after["status"]) == ("active", "revoked")
    assert revoked.after["revoked_on"] == "2026-11-20"


def test_a_job_journals_as_the_user_who_started_it(session):
    from flask import current_app

    user = session.scalar(sa.select(current_app.appbuilder.sm.user_model)
                          .where(current_app.appbuilder.sm.user_model.username == "regisseur"))
    payer, regie, _ = factories.payer_with_invoices(session)
    with journal.acting_as(user.id):
        payments.record_payment(payer.id, regie.id, "10,00", "cash")
    row = last(session, "record_payment")
    assert row.user_id == user.id and row.user_name == "Regisseur Test (regisseur)"
    payments.record_payment(payer.id, regie.id, "10,00", "cash")
    assert last(session, "record_payment").user_name is None  # no one: a command


# ---------------------------------------------------------------------------------------------
# The chain and its verification


def some_rows(session, count=4):
    payer, regie, _ = factories.payer_with_invoices(session)
    for n in range(count):
        payments.record_payment(payer.id, regie.id, f"{n + 1},00", "cash")
    session.flush()
    return rows(session)


def test_rows_are_chained_by_their_hash(session):
    found = some_rows(session)
    assert [r.seq for r in found] == list(range(1, len(found) + 1))
    assert found[0].previous_hash == journal.GENESIS
    assert all(b.previous_hash == a.hash for a, b in zip(found, found[1:]))
    verdict = journal.verify()
    assert verdict.ok and verdict.count == len(found)
    assert verdict.text() == f"Journal intact : {len(found)} lignes"


@pytest.fixture
def tamperable(session):
    """Lift the journal's triggers inside this test's transaction (rolled back with it), as
    someone with the owner's rights could."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("ALTER TABLE money_journal DISABLE TRIGGER USER"))
        session.execute(sa.text("ALTER TABLE money_journal_head DISABLE TRIGGER USER"))
    else:
        for name in ("money_journal_no_update", "money_journal_no_delete",
                     "money_journal_head_forward"):
            session.execute(sa.text(f"DROP TRIGGER {name}"))
    return session


def test_an_altered_amount_is_detected(session, tamperable):
    found = some_rows(session)
    target = found[1]
    session.execute(sa.text("UPDATE money_journal SET after = :after WHERE id = :id"),
                    {"after": '{"amount": "200.00"}', "id": target.id})
    verdict = journal.verify()
    assert not verdict.ok and (verdict.problem, verdict.row_id, verdict.seq) == (
        "altered", target.id, target.seq)
    assert verdict.text() == (f"Journal rompu à la ligne {target.seq} (id {target.id}) : son "
                              "contenu a été modifié (il ne correspond plus à son empreinte)")


def test_an_altered_row_rehashed_breaks_the_next_link(session, tamperable):
    found = some_rows(session)
    target = found[1]
    fields = dict(seq=target.seq, at=target.at, user_id=target.user_id,
                  user_name=target.user_name, action=target.action, entity=target.entity,
                  entity_id=target.entity_id, before=target.before,
                  after={**target.after, "amount": "0.01"}, previous_hash=target.previous_hash)
    session.execute(sa.update(JournalEntry).where(JournalEntry.id == target.id).values(
        after=fields["after"], hash=journal.row_hash(**fields)))
    verdict = journal.verify()
    assert (verdict.problem, verdict.seq) == ("link", found[2].seq)


def test_a_deleted_row_in_the_middle_is_detected(session, tamperable):
    found = some_rows(session)
    session.execute(sa.text("DELETE FROM money_journal WHERE id = :id"), {"id": found[1].id})
    verdict = journal.verify()
    assert (verdict.ok, verdict.problem, verdict.seq, verdict.expected) == (
        False, "missing", found[2].seq, found[1].seq)
    assert "manquent (supprimées)" in verdict.text()


def test_a_deleted_last_row_is_detected_against_the_head(session, tamperable):
    found = some_rows(session)
    session.execute(sa.text("DELETE FROM money_journal WHERE id = :id"), {"id": found[-1].id})
    verdict = journal.verify()
    assert (verdict.ok, verdict.problem, verdict.count) == (False, "head", len(found) - 1)


def test_the_command_says_intact_or_broken_and_exits_non_zero(app, session, tamperable):
    found = some_rows(session)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["marelle", "audit", "verify"])
    assert result.exit_code == 0 and f"Journal intact : {len(found)} lignes" in result.output
    session.execute(sa.text("UPDATE money_journal SET user_name = 'Quelqu''un' WHERE id = :id"),
                    {"id": found[0].id})
    result = runner.invoke(args=["marelle", "audit", "verify"])
    assert result.exit_code == 1 and "Journal rompu à la ligne 1" in result.output


def test_the_database_refuses_to_change_or_delete_a_row(session):
    found = some_rows(session, 2)
    for statement in ("UPDATE money_journal SET after = NULL WHERE id = :id",
                      "DELETE FROM money_journal WHERE id = :id"):
        savepoint = session.begin_nested()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            session.execute(sa.text(statement), {"id": found[0].id})
        savepoint.rollback()
    # The head only moves forward onto a row that exists: it cannot be wound back to hide
    # a deleted last row.
    savepoint = session.begin_nested()
    with pytest.raises(sa.exc.DatabaseError, match="moves forward"):
        session.execute(sa.text("UPDATE money_journal_head SET seq = seq - 1, hash = :hash"),
                        {"hash": found[0].hash})
    savepoint.rollback()
    assert journal.verify().ok


def test_grants_name_the_role_and_refuse_odd_names():
    text = journal.grant_statements("marelle_app")
    assert "GRANT SELECT, INSERT ON money_journal TO marelle_app;" in text
    assert "REVOKE ALL ON money_journal, money_journal_head FROM PUBLIC, marelle_app;" in text
    assert "UPDATE ON money_journal TO" not in text
    with pytest.raises(ValueError):
        journal.grant_statements("app; DROP TABLE money_journal")
