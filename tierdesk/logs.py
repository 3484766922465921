"""Logs as one JSON object per line (``TIERDESK_LOG_FORMAT=json``), with who and what they are about.

``RequestContextMiddleware`` gives every request an id (the proxy's ``X-Request-ID`` when it is
a sane one, else a new one), answers it in ``X-Request-ID``, and keeps it, the user's id and the
ticket number of the URL (``…/tickets/<number>/``) in context variables until the request is
finished; ``ContextFilter`` copies them onto every log record, so the plain format can show them
and ``JsonFormatter`` writes them. Each task a request enqueues is logged with the request's id
and the task's id (``task enqueued``), which joins a request to the work it started.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.tasks.signals import task_enqueued

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
user_id: ContextVar[int | None] = ContextVar("user_id", default=None)
ticket_number: ContextVar[int | None] = ContextVar("ticket_number", default=None)

_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
logger = logging.getLogger("tierdesk.requests")


class ContextFilter(logging.Filter):
    """Copies the request's id, user and ticket onto each record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.user_id = user_id.get()
        record.ticket = ticket_number.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the request's id,
    user and ticket when there are some, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "user_id", "ticket", "task_id", "task"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestContextMiddleware:
    """Sets the context variables for the request (after authentication, so the user is known)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        rid = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        user = getattr(request, "user", None)
        # Cleared when the request is finished (``request_finished``), not on the way out of
        # here: Django logs a 4xx or 5xx answer after the middleware has returned, and that
        # line belongs to this request too.
        request_id.set(rid)
        user_id.set(user.pk if user is not None and user.is_authenticated else None)
        ticket_number.set(None)
        response = self.get_response(request)
        response["X-Request-ID"] = rid
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]) -> None:
        number = kwargs.get("number")
        if isinstance(number, int):
            ticket_number.set(number)


def _log_enqueued(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if request_id.get() is not None:
        logger.info("task enqueued", extra={"task_id": str(task_result.id), "task": task_result.task.module_path})


def _clear(sender: Any, **kwargs: Any) -> None:
    request_id.set(None)
    user_id.set(None)
    ticket_number.set(None)


def connect() -> None:
    """Log each task a request enqueues with the request's id, and forget the request's context
    once it is finished (called once, at start)."""
    task_enqueued.connect(_log_enqueued, dispatch_uid="tierdesk.logs.enqueued")
    request_finished.connect(_clear, dispatch_uid="tierdesk.logs.clear")
