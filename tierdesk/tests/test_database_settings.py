"""The database settings: a SQLite URL gets the desk's backend, small pages and the write-ahead log."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from core.sqlite import WriterConnection
from tierdesk.settings import _database


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker: Any) -> Iterator[None]:
    """These tests open their own database files, not the test database."""
    with django_db_blocker.unblock():
        yield


def test_a_sqlite_url_gets_djangos_backend_with_the_writers_connection() -> None:
    config = _database("sqlite:////tmp/x.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["OPTIONS"]["factory"] is WriterConnection
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_a_new_database_gets_small_pages_and_the_write_ahead_log(tmp_path: Path) -> None:
    settings = {**connections["default"].settings_dict, **_database(f"sqlite:///{tmp_path / 'new.sqlite3'}")}
    database = DatabaseWrapper(settings, alias="pages-new")
    try:
        cursor = database.cursor()
        cursor.execute("CREATE TABLE t (x integer)")
        cursor.execute("PRAGMA page_size")
        assert cursor.fetchone() == (1024,)
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone() == ("wal",)
    finally:
        database.close()


def test_an_existing_database_keeps_its_page_size(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute("PRAGMA page_size=4096")
    old.execute("CREATE TABLE t (x integer)")
    old.execute("INSERT INTO t VALUES (1)")
    old.commit()
    old.close()
    database = DatabaseWrapper(
        {**connections["default"].settings_dict, **_database(f"sqlite:///{path}")}, alias="pages-old"
    )
    try:
        cursor = database.cursor()
        cursor.execute("PRAGMA page_size")
        assert cursor.fetchone() == (4096,)
        cursor.execute("SELECT x FROM t")
        assert cursor.fetchall() == [(1,)]
    finally:
        database.close()
