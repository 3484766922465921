"""The REST API's one error body: ``{"error": {"code": ..., "message": ..., "field": ...}}``."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise

# Codes used when a framework error carries only a status.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
}


class ApiError(Exception):
    """An answer other than success, with a stable ``code``; raised anywhere in a handler."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str | Promise,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


def error_body(code: str, message: str | Promise, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "field": field}}
