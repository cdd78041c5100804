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

# Letters French names carry, and what they fold to. PostgreSQL's upper() depends on the
# database's locale (under "C" it leaves "é" alone), so lower- and upper-case accented letters
# are both translated to plain capitals before upper() handles the rest.
_ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ"
_PLAIN = "AAAAAACEEEEIIIINOOOOOUUUUYYAAAAAACEEEEIIIINOOOOOUUUUYY"
assert len(_ACCENTED) == len(_PLAIN)

folded = _function(
    "folded", sa.String(),
    f"upper(translate({{0}}, '{_ACCENTED}', '{_PLAIN}'))",
    "marelle_fold({0})",  # app.services.text.fold, registered on each SQLite connection
    "Text in capitals without accents, as app.services.text.fold writes it, so that "
    "« lefevre », « LEFÈVRE » and « Lefèvre » find the same rows.")
