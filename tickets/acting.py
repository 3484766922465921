"""On whose behalf the desk acts while an automation runs: its marker goes into every audit event.

``automations`` runs its rules' actions inside :func:`on_behalf_of`; every event the ticket
actions record meanwhile carries ``{"via": {"automation": id, "name": ..., "depth": n}}``, so
the rules that react to that event know it came from an automation (one never fires on its own
changes, and a chain of automations stops at a fixed depth).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_via: ContextVar[dict[str, Any] | None] = ContextVar("tickets_acting_via", default=None)


@contextmanager
def on_behalf_of(marker: dict[str, Any]) -> Iterator[None]:
    token = _via.set(dict(marker))
    try:
        yield
    finally:
        _via.reset(token)


def marker() -> dict[str, Any]:
    """``{"via": {...}}`` while an automation runs, else empty."""
    current = _via.get()
    return {"via": current} if current else {}
