"""SQLite connections whose write transactions queue on a lock file, through public API only.

SQLite lets one writer in at a time. A second writer that finds the database locked sleeps in
SQLite's busy handler, 1 ms, then 2, then 5, 10… before it looks again, so two web workers
opening tickets together spend much of their time asleep while the lock is already free. Here a
write transaction (``BEGIN IMMEDIATE``, Django's ``transaction_mode`` option) first takes an
exclusive ``flock`` on ``<database>-writer`` and holds it until ``COMMIT`` or ``ROLLBACK``: a
waiting writer is let in as soon as the lock is released. The wait is bounded by the
connection's ``timeout``; past it the transaction starts anyway and SQLite's own locking
decides, as without the lock file. In-memory databases (tests) take no lock.

Made of three public pieces:

- :class:`WriterConnection`, the ``sqlite3`` connection class (``sqlite3.connect(factory=…)``,
  given as the ``factory`` of the database's ``OPTIONS``, which Django passes to
  ``sqlite3.connect``): it holds the lock file, and releases it in ``commit()``, ``rollback()``
  and ``close()``, the calls that end a transaction;
- :func:`begin_writer`, a database execute wrapper (Django's database instrumentation) that
  takes the lock just before a ``BEGIN IMMEDIATE`` (or ``EXCLUSIVE``) runs;
- :func:`install`, the ``connection_created`` receiver (``core.apps``) that adds the wrapper
  to each connection opened with :class:`WriterConnection`.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Callable
from typing import Any

POLL_SECONDS = 0.0002
WRITE_TRANSACTIONS = ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE")


class WriterLock:
    """An exclusive ``flock`` on a file next to the database, taken with a bounded wait."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self.fd: int | None = None
        self.held = False

    def acquire(self) -> bool:
        """Take the lock (``True``), or find it held by this connection already or the wait over (``False``)."""
        if self.held:
            return False
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False  # let SQLite's busy handler decide, as without the lock
                time.sleep(POLL_SECONDS)
                continue
            self.held = True
            return True

    def release(self) -> None:
        if self.held and self.fd is not None:
            self.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.release()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def in_memory(database: str) -> bool:
    """Whether the SQLite database named ``database`` lives in memory (as Django tells it)."""
    return database == ":memory:" or "mode=memory" in database


class WriterConnection(sqlite3.Connection):
    """A ``sqlite3`` connection holding the lock file of its database's writers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        database = str(kwargs.get("database", args[0] if args else ":memory:"))
        self.writer: WriterLock | None = None
        if not in_memory(database):
            path = database.removeprefix("file:").split("?", 1)[0]
            self.writer = WriterLock(f"{path}-writer", float(kwargs.get("timeout", 5.0)))

    def begin_writing(self) -> bool:
        """Take the writers' lock; whether this call took it."""
        return self.writer is not None and self.writer.acquire()

    def done_writing(self) -> None:
        if self.writer is not None:
            self.writer.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.done_writing()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.done_writing()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.writer is not None:
                self.writer.close()


def begin_writer(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    """Take the writers' lock before a write transaction begins (a database execute wrapper)."""
    if not sql.startswith(WRITE_TRANSACTIONS):
        return execute(sql, params, many, context)
    connection = context["connection"].connection
    taken = connection.begin_writing()
    try:
        return execute(sql, params, many, context)
    except BaseException:
        if taken:  # not a BEGIN refused inside a transaction that holds the lock
            connection.done_writing()
        raise


def install(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created``: a connection opened with :class:`WriterConnection` gets
    :func:`begin_writer` (once, outermost, so that ``execute_wrapper()`` blocks nest inside it)."""
    if isinstance(connection.connection, WriterConnection) and begin_writer not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, begin_writer)
