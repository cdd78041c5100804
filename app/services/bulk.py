"""Writing many rows at once, in the caller's transaction; reading rows by many ids.

On PostgreSQL rows go through COPY: an INSERT per row, even pipelined, costs ~20 µs each and a
multi-row INSERT spends its time in parameter handling, while COPY streams a month of invoice
lines in a few milliseconds. Elsewhere, chunked executemany INSERTs.
"""
import contextlib
import gc
import json
import operator

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from app.extensions import db

CHUNK = 5000


def _table(model_or_table) -> sa.Table:
    return getattr(model_or_table, "__table__", model_or_table)


def _with_defaults(table: sa.Table, rows: list) -> tuple:
    """The columns to write and the rows as tuples, Python-side column defaults filled in (COPY
    knows only the database's own defaults)."""
    given = set().union(*(row.keys() for row in rows))
    defaults = {c.name: c.default for c in table.columns if c.default is not None
                and (c.default.is_scalar or c.default.is_callable)}
    names = [c.name for c in table.columns if c.name in given or c.name in defaults]
    missing = [name for name in names if any(name not in row for row in rows)]
    if missing:
        for row in rows:
            for name in missing:
                if name not in row:
                    default = defaults.get(name)
                    row[name] = (None if default is None else default.arg(None)
                                 if default.is_callable else default.arg)
    return names, list(map(operator.itemgetter(*names), rows))


def insert_rows(model_or_table, rows: list) -> None:
    if not rows:
        return
    table = _table(model_or_table)
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), CHUNK):
            connection.execute(table.insert(), rows[start:start + CHUNK])
        return
    names, tuples = _with_defaults(table, rows)
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(n) for n in names)
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
            for row in tuples:
                copy.write_row(row)


def reserve_ids(model, count: int) -> list:
    """`count` fresh primary keys of a table, in one statement, for rows written with
    `insert_rows` that other rows must name at once (COPY returns nothing). PostgreSQL draws
    them from the table's sequence; SQLite has one writer at a time (the transaction took the
    write lock when it began), so the ids after the highest are free."""
    if count <= 0:
        return []
    table = _table(model)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return list(connection.execute(sa.text(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
            "FROM generate_series(1, :count)"), {"table": table.name, "count": count}).scalars())
    highest = connection.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0
    return list(range(highest + 1, highest + 1 + count))


def among(column, ids):
    """`column IN ids` with every id in one parameter (an array on PostgreSQL, a JSON list
    read by json_each on SQLite): ten thousand placeholders cost more to send and parse than
    the query costs to run, and SQLite caps their number."""
    ids = [int(i) for i in ids]
    if db.session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, ids, type_=ARRAY(sa.Integer)))
    return column.in_(sa.select(sa.column("value", sa.Integer)).select_from(
        sa.func.json_each(sa.bindparam(None, json.dumps(ids), type_=sa.String))))


@contextlib.contextmanager
def paused_garbage_collector():
    """For a burst of many short-lived objects that form no reference cycles (rows, tuples,
    strings): the cyclic collector would otherwise rescan the whole heap every few thousand
    allocations, which costs a batch as much as its own work. Reference counting still frees
    everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
