"""The SQLite backend queues write transactions on a lock file next to the database."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from core.sqlite.base import DatabaseWrapper, WriterLock


def _wrapper(path: Path, alias: str) -> DatabaseWrapper:
    settings = {**connections["default"].settings_dict, "NAME": str(path), "ENGINE": "core.sqlite"}
    settings["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 5}
    return DatabaseWrapper(settings, alias=alias)


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker: Any) -> Iterator[None]:
    """These tests open their own database files, not the test database."""
    with django_db_blocker.unblock():
        yield


def test_the_lock_is_held_from_begin_to_commit_or_rollback(tmp_path: Path) -> None:
    database = _wrapper(tmp_path / "desk.sqlite3", "lock-one")
    try:
        database.cursor().execute("CREATE TABLE t (x integer)")
        database._start_transaction_under_autocommit()
        assert database._writer is not None and database._writer.held
        assert Path(f"{tmp_path / 'desk.sqlite3'}-writer").exists()
        database.cursor().execute("INSERT INTO t VALUES (1)")
        database._commit()
        assert not database._writer.held
        database._start_transaction_under_autocommit()
        database.cursor().execute("INSERT INTO t VALUES (2)")
        database._rollback()
        assert not database._writer.held
        assert database.cursor().execute("SELECT x FROM t").fetchall() == [(1,)]
    finally:
        database.close()


def test_a_second_writer_waits_for_the_first_to_commit(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    first, events = _wrapper(path, "lock-first"), []
    first.cursor().execute("CREATE TABLE t (x integer)")
    first._start_transaction_under_autocommit()

    def second_writer() -> None:
        second = _wrapper(path, "lock-second")
        try:
            second.ensure_connection()
            second._start_transaction_under_autocommit()  # waits for the file lock
            events.append(("second began", time.monotonic()))
            second.cursor().execute("INSERT INTO t VALUES (2)")
            second._commit()
        finally:
            second.close()

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.3)
    first.cursor().execute("INSERT INTO t VALUES (1)")
    events.append(("first committed", time.monotonic()))
    first._commit()
    thread.join(10)
    try:
        assert [name for name, _when in events] == ["first committed", "second began"]
        assert events[1][1] - events[0][1] < 0.1  # let in as soon as the lock was free
        assert sorted(first.cursor().execute("SELECT x FROM t").fetchall()) == [(1,), (2,)]
    finally:
        first.close()


def test_the_wait_is_bounded_by_the_timeout_and_then_sqlite_decides(tmp_path: Path) -> None:
    holder = WriterLock(str(tmp_path / "lock"), timeout=1)
    waiter = WriterLock(str(tmp_path / "lock"), timeout=0.05)
    holder.acquire()
    started = time.monotonic()
    waiter.acquire()
    assert not waiter.held and time.monotonic() - started < 1
    holder.release()
    waiter.acquire()
    assert waiter.held
    waiter.close()
    holder.close()


def test_in_memory_databases_take_no_lock() -> None:
    settings: dict[str, Any] = {**connections["default"].settings_dict, "NAME": ":memory:", "OPTIONS": {}}
    database = DatabaseWrapper(settings, alias="lock-memory")
    assert database._writer_lock() is None


@pytest.mark.parametrize(
    "query",
    [
        "SELECT %s",
        "SELECT x FROM t WHERE x = %s AND y LIKE '%%a' ESCAPE '\\'",
        "INSERT INTO t (x, y) VALUES (%s, %s)",
        "SELECT 1",
        "SELECT " + ", ".join(["%s"] * 2000),  # longer than what is remembered
    ],
)
def test_placeholders_are_rewritten_as_django_does(query: str) -> None:
    from django.db.backends.sqlite3.base import SQLiteCursorWrapper as DjangoCursor

    from core.sqlite.base import SQLiteCursorWrapper

    connection = sqlite3.connect(":memory:")
    try:
        ours, django = connection.cursor(factory=SQLiteCursorWrapper), connection.cursor(factory=DjangoCursor)
        converted = ours.convert_query(query)
        assert converted == django.convert_query(query)
        assert ours.convert_query(query) == converted  # remembered, or rewritten again when long
    finally:
        connection.close()


def test_statements_run_through_the_remembering_cursor(tmp_path: Path) -> None:
    database = _wrapper(tmp_path / "desk.sqlite3", "cursor-one")
    try:
        cursor = database.cursor()
        cursor.execute("CREATE TABLE t (x text)")
        for value in ("a%", "b", "a%"):
            cursor.execute("INSERT INTO t VALUES (%s)", [value])
        cursor.execute("SELECT COUNT(*) FROM t WHERE x LIKE 'a%%'")
        assert cursor.fetchone() == (2,)
        cursor.execute("SELECT x FROM t WHERE x = %(value)s", {"value": "b"})  # pyformat, as Django allows
        assert cursor.fetchall() == [("b",)]
        assert type(cursor.cursor).__module__ == "core.sqlite.base"
    finally:
        database.close()
