"""The payment tables the migrations build are the ones the models declare."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model

TABLES = {"payment", "payment_allocation", "account_entry", "deposit", "number_sequence"}


def _table_of(diff) -> str:
    diff = diff[0] if isinstance(diff, list) else diff
    for part in diff[1:]:
        name = getattr(part, "name", None) if not isinstance(part, str) else part
        table = getattr(part, "table", None)
        if table is not None:
            return table.name
        if name in TABLES:
            return name
    return ""


def test_the_migrations_match_the_payment_models(app):
    from app.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, Model.metadata) if _table_of(d) in TABLES]
    assert diffs == []
