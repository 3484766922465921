"""The monitoring webhook's body: parsed and validated before anything is written (no Django).

::

    {"alert_id": "a-123", "service": "ns3012345.ip-51-75-1.eu",   (or "host": "51.75.1.10")
     "check": "ping", "state": "problem",                          (or "recovery")
     "time": "2027-03-02T10:00:00Z"}                               (ISO 8601 with zone, or Unix seconds)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

__all__ = ["MAX_BODY_BYTES", "AlertPayload", "PayloadError", "parse_alert"]

MAX_BODY_BYTES: Final = 16 * 1024
STATES: Final = ("problem", "recovery")
_CHECK: Final = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_KEYS: Final = frozenset({"alert_id", "service", "host", "check", "state", "time", "message"})


class PayloadError(ValueError):
    """The body is not a valid alert; ``code`` is stable, ``field`` names the culprit."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class AlertPayload:
    alert_id: str
    service: str | None
    host: str | None
    check: str
    state: str
    time: datetime


def _text(data: dict[str, object], key: str, *, maximum: int, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise PayloadError("missing_field", f"{key} is required", key)
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PayloadError("invalid_field", f"{key} must be a string", key)
    text = str(value).strip()
    if not text:
        raise PayloadError("invalid_field", f"{key} must not be empty", key)
    if len(text) > maximum:
        raise PayloadError("invalid_field", f"{key} is longer than {maximum} characters", key)
    return text


def _time(value: object) -> datetime:
    if isinstance(value, bool):
        raise PayloadError("invalid_field", "time must be ISO 8601 with a zone or Unix seconds", "time")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise PayloadError("invalid_field", "time is out of range", "time") from None
    if not isinstance(value, str):
        raise PayloadError("missing_field" if value is None else "invalid_field", "time is required", "time")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError("invalid_field", "time must be ISO 8601, e.g. 2027-03-02T10:00:00Z", "time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise PayloadError("invalid_field", "time must carry a zone (Z or +hh:mm)", "time")
    return parsed.astimezone(UTC)


def parse_alert(body: bytes) -> AlertPayload:
    """Validate one alert; raises :class:`PayloadError`."""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadError("body_too_large", f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PayloadError("malformed_json", f"the body is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise PayloadError("malformed_json", "the body must be a JSON object")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise PayloadError("unknown_field", f"unknown field(s): {', '.join(unknown)}", unknown[0])
    alert_id = _text(data, "alert_id", maximum=200)
    service = _text(data, "service", maximum=255, required=False)
    host = _text(data, "host", maximum=255, required=False)
    if service is None and host is None:
        raise PayloadError("missing_field", "give the service reference (service) or its host (host)", "service")
    check = (_text(data, "check", maximum=64) or "").lower()
    if not _CHECK.fullmatch(check):
        raise PayloadError("invalid_field", "check must be a short name such as ping, http or smtp", "check")
    state = (_text(data, "state", maximum=16) or "").lower()
    if state not in STATES:
        raise PayloadError("invalid_field", "state must be problem or recovery", "state")
    return AlertPayload(
        alert_id=alert_id or "",
        service=service,
        host=host,
        check=check,
        state=state,
        time=_time(data.get("time")),
    )
