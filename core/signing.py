"""Request signatures: inbound webhooks and the OVH API ``$1$`` scheme.

Pure Python, no Django.

Webhooks (payment processor, monitoring alerts, PBX call events)
----------------------------------------------------------------
The sender puts ``t=<unix seconds>,v1=<hex>`` in a header (Stripe's layout),
where ``<hex>`` is HMAC-SHA256, keyed with the shared secret, over
``f"{t}.".encode() + raw_body``. Several ``v1`` entries may be present (the
sender signs with the old and the new secret while a secret is rotated) and
the receiver may accept several secrets for the same reason. Entries with
another scheme name (``v0=...``) are ignored.

:func:`verify` checks the header against the **raw** body bytes (never a
re-serialised JSON), compares in constant time, then checks that the
timestamp is within ``tolerance`` seconds of ``now`` in either direction. It
returns a :class:`VerifiedSignature`; replay protection is the caller's
database work: store ``replay_key`` (and, when the body has one, the event
id) under a unique constraint and treat a duplicate as a replay. A record may
be purged after ``expires_at``, since an older header is rejected as stale
anyway.

OVH API
-------
:func:`ovh_signature` reproduces ``ovh.Client.raw_call`` (python-ovh 1.2.0)::

    payload = "+".join([AS, CK, METHOD.upper(), target, body, now])
    "$1$" + sha1(payload.encode("utf-8")).hexdigest()

where ``target`` is the full URL the client requested (public base URL, path
and query string byte for byte), ``body`` the raw body ("" when none) and
``now`` the ``X-Ovh-Timestamp`` value.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DEFAULT_TOLERANCE",
    "OVH_DEFAULT_TOLERANCE",
    "SignatureError",
    "SignatureErrorCode",
    "VerifiedSignature",
    "build_header",
    "ovh_signature",
    "sign",
    "verify",
    "verify_ovh_signature",
]

DEFAULT_TOLERANCE = 300
OVH_DEFAULT_TOLERANCE = 180
MAX_HEADER_LENGTH = 4096
MAX_SIGNATURES = 8
SCHEME = "v1"

SignatureErrorCode = Literal["missing_header", "malformed_header", "stale_timestamp", "bad_signature"]

_TIMESTAMP = re.compile(r"[0-9]{1,15}", re.ASCII)
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)


class SignatureError(Exception):
    """A webhook signature was rejected.

    ``code`` is stable and meant for logs, metrics and API error bodies:
    ``missing_header``, ``malformed_header``, ``stale_timestamp`` or
    ``bad_signature``. ``message`` is for humans.
    """

    def __init__(self, code: SignatureErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code: SignatureErrorCode = code
        self.message = message


@dataclass(frozen=True)
class VerifiedSignature:
    """What a caller records after a successful :func:`verify`.

    * ``timestamp``: the signed ``t`` value (Unix seconds).
    * ``signature``: the lowercase hex ``v1`` value that matched.
    * ``secret_index``: position of the matching secret in the list given to
      :func:`verify` (shows when an old secret stops being used).
    * ``expires_at``: ``timestamp + tolerance``; after it the same header is
      rejected as stale, so the replay record can be purged.
    * ``replay_key``: hex SHA-256 of ``f"{timestamp}.".encode() + body``; it
      does not depend on which secret matched, so it identifies one delivery
      even across a key rotation. Store it under a unique constraint.
    """

    timestamp: int
    signature: str
    secret_index: int
    expires_at: int
    replay_key: str


def _secrets(secret: bytes | Sequence[bytes]) -> tuple[bytes, ...]:
    if isinstance(secret, (bytes, bytearray)):
        keys: tuple[bytes, ...] = (bytes(secret),)
    elif isinstance(secret, str):
        raise TypeError("secret must be bytes, not str")
    else:
        keys = tuple(secret)
    if not keys:
        raise ValueError("at least one secret is required")
    for key in keys:
        if not isinstance(key, (bytes, bytearray)):
            raise TypeError("each secret must be bytes")
        if not key:
            raise ValueError("a webhook secret must not be empty")
    return keys


def _check_timestamp(timestamp: int) -> int:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise TypeError("timestamp must be an int (Unix seconds)")
    if timestamp < 0:
        raise ValueError("timestamp must not be negative")
    return timestamp


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``f"{timestamp}.".encode() + body`` keyed with ``secret``."""
    (key,) = _secrets(secret)
    ts = _check_timestamp(timestamp)
    message = f"{ts}.".encode("ascii") + bytes(body)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def build_header(secret: bytes | Sequence[bytes], timestamp: int, body: bytes) -> str:
    """The header value ``t=<timestamp>,v1=<hex>``.

    With several secrets there is one ``v1`` entry per secret, in order.
    """
    ts = _check_timestamp(timestamp)
    signatures = ",".join(f"{SCHEME}={sign(key, ts, body)}" for key in _secrets(secret))
    return f"t={ts},{signatures}"


def _parse_header(header: str | None) -> tuple[int, list[str]]:
    if header is None or not header.strip():
        raise SignatureError("missing_header", "no signature header")
    if len(header) > MAX_HEADER_LENGTH:
        raise SignatureError("malformed_header", "signature header is too long")
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise SignatureError("malformed_header", f"expected key=value, got {item[:40]!r}")
        if key == "t":
            if timestamp is not None:
                raise SignatureError("malformed_header", "timestamp given more than once")
            if not _TIMESTAMP.fullmatch(value):
                raise SignatureError("malformed_header", "timestamp is not a number of seconds")
            timestamp = int(value)
        elif key == SCHEME:
            if not _HEX_SHA256.fullmatch(value):
                raise SignatureError("malformed_header", f"{SCHEME} is not a hex SHA-256 digest")
            candidates.append(value.lower())
    if timestamp is None:
        raise SignatureError("malformed_header", "no timestamp (t=) in signature header")
    if not candidates:
        raise SignatureError("malformed_header", f"no {SCHEME} signature in signature header")
    if len(candidates) > MAX_SIGNATURES:
        raise SignatureError("malformed_header", f"more than {MAX_SIGNATURES} signatures")
    return timestamp, candidates


def verify(
    secret: bytes | Sequence[bytes],
    header: str | None,
    body: bytes,
    *,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> VerifiedSignature:
    """Check a ``t=...,v1=...`` header against the raw ``body``.

    ``secret`` is one secret or a sequence of accepted secrets. Raises
    :class:`SignatureError`; on success returns what the caller must record
    for replay protection. The signature is checked before the timestamp, so
    ``stale_timestamp`` is only ever reported for an authentic but old (or
    future) request.
    """
    keys = _secrets(secret)
    now = _check_timestamp(now)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int) or tolerance < 0:
        raise ValueError("tolerance must be a non-negative int (seconds)")
    timestamp, candidates = _parse_header(header)
    matched: tuple[str, int] | None = None
    for index, key in enumerate(keys):
        expected = sign(key, timestamp, body).encode("ascii")
        for candidate in candidates:
            # Compare every pair: no early exit that would tell which one matched.
            if hmac.compare_digest(expected, candidate.encode("ascii")) and matched is None:
                matched = (candidate, index)
    if matched is None:
        raise SignatureError("bad_signature", "no signature matches the body and timestamp")
    if timestamp < now - tolerance:
        raise SignatureError(
            "stale_timestamp",
            f"timestamp is {now - timestamp} s old (tolerance {tolerance} s)",
        )
    if timestamp > now + tolerance:
        raise SignatureError(
            "stale_timestamp",
            f"timestamp is {timestamp - now} s in the future (tolerance {tolerance} s)",
        )
    return VerifiedSignature(
        timestamp=timestamp,
        signature=matched[0],
        secret_index=matched[1],
        expires_at=timestamp + tolerance,
        replay_key=hashlib.sha256(f"{timestamp}.".encode("ascii") + bytes(body)).hexdigest(),
    )


def ovh_signature(
    app_secret: str,
    consumer_key: str,
    method: str,
    full_url: str,
    body: bytes | str,
    timestamp: int | str,
) -> str:
    """``X-Ovh-Signature`` as python-ovh computes it.

    ``full_url`` is the URL exactly as the client built it (``endpoint + path``,
    query string included); ``body`` is the raw request body, ``""``/``b""``
    when there is none; ``timestamp`` is the ``X-Ovh-Timestamp`` value. Bytes
    are hashed as received, so a body need not be valid UTF-8.
    """
    body_bytes = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    payload = b"+".join(
        [
            app_secret.encode("utf-8"),
            consumer_key.encode("utf-8"),
            method.upper().encode("utf-8"),
            full_url.encode("utf-8"),
            body_bytes,
            str(timestamp).encode("utf-8"),
        ]
    )
    # SHA-1 is mandated by the OVH API signature protocol ("$1$").
    return "$1$" + hashlib.sha1(payload).hexdigest()  # noqa: S324


def verify_ovh_signature(
    app_secret: str,
    consumer_key: str,
    method: str,
    full_url: str,
    body: bytes | str,
    timestamp: int | str,
    signature: str | None,
    *,
    now: int | None = None,
    tolerance: int = OVH_DEFAULT_TOLERANCE,
) -> bool:
    """Constant-time check of an ``X-Ovh-Signature`` header.

    ``timestamp`` is the ``X-Ovh-Timestamp`` header; it must be a plain number
    of seconds. When ``now`` is given the timestamp must also be within
    ``tolerance`` seconds of it (python-ovh syncs its clock with
    ``GET /auth/time``, so a small window is enough). Returns ``False`` for any
    missing or malformed value instead of raising.
    """
    if not signature or not app_secret or not consumer_key:
        return False
    ts_text = str(timestamp).strip() if isinstance(timestamp, str) else str(timestamp)
    if isinstance(timestamp, bool) or not _TIMESTAMP.fullmatch(ts_text):
        return False
    if now is not None and abs(now - int(ts_text)) > tolerance:
        return False
    expected = ovh_signature(app_secret, consumer_key, method, full_url, body, ts_text)
    return hmac.compare_digest(expected.encode("utf-8"), signature.strip().encode("utf-8"))
