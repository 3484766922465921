"""Django's SQLite backend, with the processes' write transactions queued on a lock file.

SQLite lets one writer in at a time. A second writer that finds the database locked sleeps in
SQLite's busy handler, 1 ms, then 2, then 5, 10… before it looks again, so two web workers
opening tickets together spend much of their time asleep while the lock is already free. Here a
write transaction (``BEGIN IMMEDIATE``) first takes an exclusive ``flock`` on ``<database>-writer``
and holds it until ``COMMIT`` or ``ROLLBACK``: a waiting writer is let in as soon as the lock is
released. The wait is bounded by the connection's ``timeout``; past it the transaction starts
anyway and SQLite's own locking decides, as without this backend. In-memory databases (tests)
are left as they are.

The cursors also remember how they rewrote a statement's ``%s`` placeholders into SQLite's
``?``: Django runs a regular expression over every statement on every call, which costs more
than running a short statement. Statements up to ``CONVERTED_MAX_LENGTH`` characters are kept
(the last ``CONVERTED_KEPT`` of them); longer ones, such as bulk inserts, are rewritten each time.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.db.backends.sqlite3 import base

POLL_SECONDS = 0.0002
CONVERTED_MAX_LENGTH = 4000
CONVERTED_KEPT = 1024


@lru_cache(maxsize=CONVERTED_KEPT)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    """Django's cursor, with the ``format`` to ``qmark`` rewrite of short statements remembered."""

    def convert_query(self, query: str, *, param_names: Sequence[str] | None = None) -> str:
        if param_names is None and len(query) <= CONVERTED_MAX_LENGTH:
            return _qmark(query)
        return str(super().convert_query(query, param_names=param_names))


class WriterLock:
    """An exclusive ``flock`` on a file next to the database, taken with a bounded wait."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self.fd: int | None = None
        self.held = False

    def acquire(self) -> None:
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return  # let SQLite's busy handler decide, as without the lock
                time.sleep(POLL_SECONDS)
                continue
            self.held = True
            return

    def release(self) -> None:
        if self.held and self.fd is not None:
            self.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.release()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer: WriterLock | None = None

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=SQLiteCursorWrapper)

    def _writer_lock(self) -> WriterLock | None:
        if self._writer is None and not self.is_in_memory_db():
            timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
            self._writer = WriterLock(f"{self.settings_dict['NAME']}-writer", timeout)
        return self._writer

    def _start_transaction_under_autocommit(self) -> None:
        lock = self._writer_lock() if getattr(self, "transaction_mode", None) in {"IMMEDIATE", "EXCLUSIVE"} else None
        if lock is not None:
            lock.acquire()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            if lock is not None:
                lock.release()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            if self._writer is not None:
                self._writer.close()

    def _release_writer(self) -> None:
        if self._writer is not None:
            self._writer.release()
