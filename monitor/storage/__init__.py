"""Storage: the schema, the engine (SQLite or PostgreSQL), migrations and repositories.

Repositories return frozen dataclasses; ORM rows never leave this package.
"""
