import os

import pytest
from django.db import connection


def test_suite_runs_on_the_expected_database():
    # CI sets EXPECT_DATABASE_VENDOR=postgresql so that a run that silently fell back
    # to SQLite fails instead of passing.
    expected = os.environ.get("EXPECT_DATABASE_VENDOR")
    if expected is None and os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is set without EXPECT_DATABASE_VENDOR")
    assert connection.vendor == (expected or "sqlite")


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite settings only")
    options = connection.settings_dict["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
