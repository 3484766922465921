"""Django's SQLite backend, with the processes' write transactions queued on a lock file.

SQLite lets one writer in at a time. A second writer that finds the database locked sleeps in
SQLite's busy handler, 1 ms, then 2, then 5, 10… before it looks again, so two web workers
opening tickets together spend much of their time asleep while the lock is already free. Here a
write transaction (``BEGIN IMMEDIATE``) first takes an exclusive ``flock`` on ``<database>-writer``
and holds it until ``COMMIT`` or ``ROLLBACK``: a waiting writer is let in as soon as the lock is
released. The wait is bounded by the connection's ``timeout``; past it the transaction starts
anyway and SQLite's own locking decides, as without this backend. In-memory databases (tests)
are left as they are.
"""

from __future__ import annotations

import fcntl
import os
import time
from typing import Any

from django.db.backends.sqlite3 import base

POLL_SECONDS = 0.0002


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
