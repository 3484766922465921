"""SQLite write transactions queue on a lock file next to the database (``core.sqlite``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.db.utils import OperationalError

from core.sqlite import WriterConnection, WriterLock


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker: Any) -> Iterator[None]:
    """These tests open their own database files, not the test database."""
    with django_db_blocker.unblock():
        yield


def _open(path: Path, alias: str) -> DatabaseWrapper:
    """A connection to ``path`` whose writers queue, known to Django as ``alias`` in this thread."""
    settings = {
        **connections["default"].settings_dict,
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {"factory": WriterConnection, "transaction_mode": "IMMEDIATE", "timeout": 5},
    }
    database = DatabaseWrapper(settings, alias=alias)
    connections[alias] = database
    return database


def _close(database: DatabaseWrapper) -> None:
    database.close()
    del connections[database.alias]


def _lock(database: DatabaseWrapper) -> WriterLock:
    raw = database.connection
    assert isinstance(raw, WriterConnection) and raw.writer is not None
    return raw.writer


def test_the_lock_is_held_from_begin_to_commit_or_rollback(tmp_path: Path) -> None:
    database = _open(tmp_path / "desk.sqlite3", "lock-one")
    try:
        database.cursor().execute("CREATE TABLE t (x integer)")
        with transaction.atomic(using="lock-one"):
            database.cursor().execute("INSERT INTO t VALUES (1)")
            assert _lock(database).held
            assert Path(f"{tmp_path / 'desk.sqlite3'}-writer").exists()
        assert not _lock(database).held
        with pytest.raises(ZeroDivisionError), transaction.atomic(using="lock-one"):
            database.cursor().execute("INSERT INTO t VALUES (2)")
            assert _lock(database).held
            1 / 0  # noqa: B018 - rolls the transaction back
        assert not _lock(database).held
        assert database.cursor().execute("SELECT x FROM t").fetchall() == [(1,)]
        database.cursor().execute("SELECT x FROM t")
        assert not _lock(database).held  # a read outside a transaction takes no lock
    finally:
        _close(database)


def test_a_second_writer_waits_for_the_first_to_commit(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    first, events = _open(path, "lock-first"), []
    first.cursor().execute("CREATE TABLE t (x integer)")
    ready = threading.Event()

    def second_writer() -> None:
        second = _open(path, "lock-second")
        try:
            second.ensure_connection()
            ready.wait(5)
            with transaction.atomic(using="lock-second"):  # waits for the file lock
                events.append(("second began", time.monotonic()))
                second.cursor().execute("INSERT INTO t VALUES (2)")
        finally:
            _close(second)

    try:
        with transaction.atomic(using="lock-first"):
            thread = threading.Thread(target=second_writer)
            thread.start()
            ready.set()
            time.sleep(0.3)
            first.cursor().execute("INSERT INTO t VALUES (1)")
            events.append(("first committed", time.monotonic()))
        thread.join(10)
        assert [name for name, _when in events] == ["first committed", "second began"]
        assert events[1][1] - events[0][1] < 0.1  # let in as soon as the lock was free
        assert sorted(first.cursor().execute("SELECT x FROM t").fetchall()) == [(1,), (2,)]
    finally:
        _close(first)


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


def test_a_begin_that_fails_releases_the_lock(tmp_path: Path) -> None:
    database = _open(tmp_path / "desk.sqlite3", "lock-failed")
    try:
        database.ensure_connection()
        with pytest.raises(OperationalError), database.cursor() as cursor:
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("BEGIN IMMEDIATE")  # a transaction within a transaction: refused
        assert _lock(database).held  # the first one is still open
        database.connection.rollback()
        assert not _lock(database).held
    finally:
        _close(database)


def test_in_memory_databases_take_no_lock() -> None:
    connection = WriterConnection(database=":memory:")
    assert connection.writer is None
    connection.close()
    connection = WriterConnection(database="file:memorydb_x?mode=memory&cache=shared", uri=True)
    assert connection.writer is None
    connection.close()


def test_the_test_database_connection_is_a_writer_connection(db: Any) -> None:
    connection = connections["default"]
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    connection.ensure_connection()
    assert isinstance(connection.connection, WriterConnection)
    assert connection.execute_wrappers[0].__name__ == "begin_writer"
