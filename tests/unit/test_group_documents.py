"""Group documents: published between two dates, to everyone or to the families of children in
some schools, classes or services; checked like every upload."""
import io
from datetime import date

import pytest

from app.services import RuleViolation, bookings, group_documents, schooling
from tests import factories
from tests.support import TOWN_TODAY

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Upload(io.BytesIO):
    def __init__(self, content=PDF, filename="menu.pdf"):
        super().__init__(content)
        self.filename = filename


@pytest.fixture
def town(session):
    setup = factories.school_setup(session)
    canteen = factories.service(session, "Cantine")
    care = factories.service(session, "Garderie")
    _, (mother,), (lea,) = factories.household("Visible")
    schooling.enroll(lea, setup["classes"]["CE1 A"], date(2026, 9, 1))
    bookings.subscribe(lea, canteen, date(2026, 9, 1))
    # Lea's old subscription to the morning care ended last month.
    bookings.subscribe(lea, care, date(2026, 9, 1), date(2026, 10, 31))
    _, (stranger,), _ = factories.household("Sans", children=0)
    return dict(setup=setup, canteen=canteen, care=care, mother=mother, lea=lea,
                stranger=stranger)


def publish(name, start=None, end=None, **scope):
    return group_documents.publish(Upload(), name, "", start, end, **scope)


def visible(adult):
    return [d.name for d in group_documents.visible_to(adult.id, TOWN_TODAY)]


def test_visibility_follows_the_scope(session, town):
    classes = town["setup"]["classes"]
    publish("Tous")
    publish("École", schools=[town["setup"]["school"]])
    publish("CE1 A", classes=[classes["CE1 A"]])
    publish("CM2 A", classes=[classes["CM2 A"]])
    publish("Cantine", services=[town["canteen"]])
    publish("Garderie", services=[town["care"]])
    publish("Cantine ou CM2", services=[town["canteen"]], classes=[classes["CM2 A"]])
    assert sorted(visible(town["mother"])) == sorted(["Cantine", "Cantine ou CM2", "CE1 A", "École", "Tous"]), visible(town["mother"])
    assert visible(town["stranger"]) == ["Tous"]


def test_visibility_follows_the_dates(session, town):
    publish("Ouvert")
    publish("Jusqu'à aujourd'hui", end=TOWN_TODAY)
    publish("Depuis aujourd'hui", start=TOWN_TODAY)
    publish("Fini", start=date(2026, 9, 1), end=date(2026, 11, 19))
    publish("Plus tard", start=date(2026, 11, 21))
    assert visible(town["mother"]) == ["Depuis aujourd'hui", "Jusqu'à aujourd'hui", "Ouvert"]


def test_one_query_whatever_the_children(session, town, count_queries):
    publish("Cantine", services=[town["canteen"]])
    with count_queries() as queries:
        group_documents.visible_to(town["mother"].id, TOWN_TODAY)
    assert len(queries) == 1


def test_bad_files_and_dates_are_refused(session, town):
    with pytest.raises(RuleViolation, match="Ce type de fichier n'est pas accepté"):
        group_documents.publish(Upload(b"<script>alert(1)</script>", "menu.pdf"), "Menu", "",
                                None, None)
    with pytest.raises(RuleViolation, match="Choisissez"):
        group_documents.publish(None, "Menu", "", None, None)
    with pytest.raises(RuleViolation, match="ne peut pas"):
        publish("Menu", start=date(2026, 12, 1), end=date(2026, 11, 1))
    with pytest.raises(RuleViolation, match="Cochez au moins un"):
        group_documents.publish(Upload(), "Menu", "", None, None, everyone=False)


def test_a_document_linked_to_a_consent_is_kept(session, town):
    from app.services import consents

    document = publish("Règlement")
    consents.save(None, "Règlement lu", "", date(2026, 9, 1), None, everyone=True,
                  document=document)
    with pytest.raises(RuleViolation, match="Règlement lu"):
        group_documents.delete(document)
