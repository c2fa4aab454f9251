"""Alembic migrations: the schema's history, one named step per change."""
