"""Portable SQL functions the domain needs, compiled for PostgreSQL and SQLite alike, so that
date logic runs in the database instead of in a Python loop over every row."""
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def _function(name: str, type_, postgresql: str, sqlite: str, doc: str):
    """A one-argument SQL function written `postgresql` or `sqlite` ({0} is the argument)."""
    function = type(name, (FunctionElement,), {
        "type": type_, "inherit_cache": True, "name": name, "__doc__": doc})

    def compiler_for(template):
        return lambda element, compiler, **kw: template.format(
            compiler.process(element.clauses, **kw))

    compiles(function, "postgresql")(compiler_for(postgresql))
    compiles(function)(compiler_for(sqlite))
    return function


iso_week = _function(
    "iso_week", sa.Integer(), "CAST(EXTRACT(week FROM {0}) AS INTEGER)",
    # SQLite before 3.46 has no %V: the ISO week is the one of the week's Thursday, whose day
    # of the year divided by 7 gives the week number.
    "((CAST(strftime('%j', date({0}, '-3 days', 'weekday 4')) AS INTEGER) - 1) / 7 + 1)",
    "ISO 8601 week number of a date (1..53), as the billing rules' even/odd/list criteria "
    "count weeks.")

iso_date_text = _function(
    "iso_date_text", sa.String(), "to_char({0}, 'YYYY-MM-DD')",
    "CAST({0} AS TEXT)",  # SQLite stores SQLAlchemy dates as this very text
    "A date as 'YYYY-MM-DD' text, whatever the server's DateStyle.")

def _fold_tables():
    """What app.services.text.fold does to each Latin letter, for PostgreSQL: letters that
    fold to one character go in translate()'s two strings, the few that fold to more (ß ->
    SS) in replace() calls. PostgreSQL's upper() depends on the database's locale (under "C"
    it leaves « é » alone), so every non-ASCII letter is mapped here, not left to upper()."""
    from app.services.text import fold

    accented, plain, longer = [], [], []
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        letter = chr(code)
        if letter in "×÷":
            continue
        folded_letter = fold(letter)
        if folded_letter == letter or not folded_letter:
            continue
        if len(folded_letter) == 1:
            accented.append(letter)
            plain.append(folded_letter)
        else:
            longer.append((letter, folded_letter))
    return "".join(accented), "".join(plain), longer


_ACCENTED, _PLAIN, _LONGER = _fold_tables()


def _postgresql_fold(argument: str) -> str:
    # Spaces as fold() leaves them: trimmed, any run of them one space.
    text = f"regexp_replace(btrim({argument}), '[[:space:]\u00a0]+', ' ', 'g')"
    text = f"translate({text}, '{_ACCENTED}', '{_PLAIN}')"
    for letter, folded_letter in _LONGER:
        text = f"replace({text}, '{letter}', '{folded_letter}')"
    return f"upper({text})"


folded = _function(
    "folded", sa.String(),
    _postgresql_fold("{0}"),
    "marelle_fold({0})",  # app.services.text.fold itself, registered on each SQLite connection
    "Text in capitals without accents, as app.services.text.fold writes it, so that "
    "« lefevre », « LEFÈVRE » and « Lefèvre » find the same rows.")
