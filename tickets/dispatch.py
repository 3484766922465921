"""After-commit fan-out of ticket events to the parts that react to them.

Apps register a handler in their ``AppConfig.ready``; ``tickets.tasks.dispatch_event`` calls every
handler with the event id, in a background worker, never inside the request.
"""

from __future__ import annotations

from collections.abc import Callable

EventHandler = Callable[[int], None]

_handlers: dict[str, EventHandler] = {}


def register(name: str, handler: EventHandler) -> None:
    _handlers[name] = handler


def handlers() -> dict[str, EventHandler]:
    return dict(_handlers)
