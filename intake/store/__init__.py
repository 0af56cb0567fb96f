"""The store: SQL tables (SQLAlchemy 2, Alembic migrations) and content-addressed files."""
