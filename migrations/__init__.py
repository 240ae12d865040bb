"""Alembic migrations for watchlist (SQLite in batch mode, and PostgreSQL)."""
