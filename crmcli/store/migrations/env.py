"""Alembic environment: runs on the connection crm hands it (or a URL from the config)."""

from alembic import context
from sqlalchemy import create_engine

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            _migrate(connection)
        return
    _migrate(connection)


def _migrate(connection) -> None:
    context.configure(connection=connection, render_as_batch=True, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


run()
