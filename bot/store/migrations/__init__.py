"""Alembic environment and revisions for the store.

There is no alembic.ini: `bot.store.migrate.alembic_config(connection)` builds
the configuration. To write a new revision, migrate a scratch database to head,
then call `alembic.command.revision(alembic_config(connection), message=...,
autogenerate=True)` inside `AsyncConnection.run_sync`, and review the file.
"""
