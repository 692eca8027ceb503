"""Database fixtures: SQLite files and the local PostgreSQL server (filled in by the store work)."""
