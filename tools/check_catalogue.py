"""Refuse a French catalogue with a text left untranslated or fuzzy.

translations/fr/LC_MESSAGES/messages.po is the source of the French texts: `tools/i18n.sh`
adds new msgids to it with an empty French text, this check lists them until someone writes
their French. Used by i18n.sh and by tests/unit/test_catalogue.py (so `make test` and CI fail
too)."""
import sys
from pathlib import Path

from babel.messages.pofile import read_po

FRENCH = Path(__file__).resolve().parent.parent / "translations/fr/LC_MESSAGES/messages.po"


def untranslated(path=FRENCH):
    """The msgids of `path` whose French is missing (or one of its plural forms) or fuzzy."""
    with open(path, "rb") as f:
        catalog = read_po(f, locale="fr")
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid}")
        elif not all(strings):
            problems.append(f"missing: {msgid}")
    return problems


def main():
    problems = untranslated()
    if problems:
        print(f"{FRENCH}: {len(problems)} text(s) without French:", *problems, sep="\n  ",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
