"""Tests of services/, mirroring its modules; use cases run against a real database
(a SQLite file, or PostgreSQL when BOTIMPAY_TEST_DB names one), never mocks."""
