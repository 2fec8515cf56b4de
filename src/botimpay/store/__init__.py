"""Durable storage: SQLAlchemy Core tables, repositories, transactions, migrations.

SQLite (WAL, durable commits) by default; PostgreSQL by URL.
"""
