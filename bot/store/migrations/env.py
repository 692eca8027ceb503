"""Alembic entry point: runs on the connection bot.store.migrate hands over."""

from alembic import context
from sqlalchemy.engine import Connection

from bot.store.tables import metadata

connection = context.config.attributes.get("connection")
if context.is_offline_mode() or not isinstance(connection, Connection):
    raise RuntimeError(
        "run migrations with `ocrbot db upgrade` or bot.store.upgrade(), "
        "which pass a database connection"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite alters tables by copying them; autogenerate must write batch operations.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
