"""What other parts of the desk plug into the sending: context read at send time, and files.

A notification stores only JSON and references; the objects an e-mail speaks of (a quote, an
SLA event, the person's password-reset link) are read when each delivery is rendered, in the
recipient's language, so a retry an hour later sends the same mail with today's facts and no
secret is ever stored in the database. Apps register in their ``AppConfig.ready``:

- ``register_context(event, loader)``: ``loader(notification, delivery)`` returns extra template
  variables for that event;
- ``register_attachment(kind, renderer)``: ``renderer(reference)`` returns
  ``(filename, content, content type)`` for an attachment stored as ``AttachmentRef(kind, reference)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from notifications.models import Delivery, Notification

ContextLoader = Callable[["Notification", "Delivery"], dict[str, Any]]
AttachmentRenderer = Callable[[str], tuple[str, bytes, str]]

_loaders: dict[str, ContextLoader] = {}
_renderers: dict[str, AttachmentRenderer] = {}


@dataclass(frozen=True)
class AttachmentRef:
    """A file made when the delivery is sent (and made again on each retry), e.g. a quote's PDF."""

    kind: str
    reference: str
    filename: str = ""


def register_context(event: str, loader: ContextLoader) -> None:
    _loaders[event] = loader


def register_attachment(kind: str, renderer: AttachmentRenderer) -> None:
    _renderers[kind] = renderer


def has_attachment_kind(kind: str) -> bool:
    return kind in _renderers


def load_context(notification: Notification, delivery: Delivery) -> dict[str, Any]:
    loader = _loaders.get(notification.event)
    return loader(notification, delivery) if loader is not None else {}


def render_attachment(kind: str, reference: str) -> tuple[str, bytes, str]:
    renderer = _renderers.get(kind)
    if renderer is None:
        raise LookupError(f"No attachment renderer registered for {kind!r}.")
    return renderer(reference)
