"""The French catalogue is the source of the French texts: a text without French (or marked
fuzzy by a merge) fails the suite, as `tools/i18n.sh` refuses it."""
from tools.check_catalogue import FRENCH, untranslated


def test_every_text_has_its_french():
    assert untranslated() == []


def test_a_missing_or_fuzzy_french_text_is_refused(tmp_path):
    po = tmp_path / "messages.po"
    po.write_text(FRENCH.read_text(encoding="utf-8") + '''
msgid "A text nobody translated"
msgstr ""

#, fuzzy
msgid "A text a merge guessed"
msgstr "Un texte deviné"

msgid "%(count)s booking"
msgid_plural "%(count)s bookings"
msgstr[0] "%(count)s réservation"
msgstr[1] ""
''', encoding="utf-8")
    assert untranslated(po) == ["missing: A text nobody translated",
                                "fuzzy: A text a merge guessed", "missing: %(count)s booking"]


def test_our_french_wins_over_fabs_for_its_own_texts(app):
    from flask_babel import gettext

    with app.test_request_context():
        # FAB's own French: « Sauvegarder », « Nombre de record », « Listez les utilisateurs »,
        # and nothing at all for Delete.
        assert gettext("Save") == "Enregistrer"
        assert gettext("Record Count") == "Nombre d'enregistrements"
        assert gettext("List Users") == "Utilisateurs"
        assert gettext("Delete") == "Supprimer"
