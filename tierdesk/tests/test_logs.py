"""Logs as JSON lines with the request's id, user and ticket; the tasks a request enqueues are
logged with the request's id."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tierdesk.logs import ContextFilter, JsonFormatter, request_id
from tierdesk.tests.test_settings import run_manage


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The desk's JSON handler on the loggers of requests and of the desk's own request context."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger("django.request"), logging.getLogger("tierdesk.requests")]
    for each in loggers:
        each.addHandler(handler)
    try:
        yield buffer
    finally:
        for each in loggers:
            each.removeHandler(handler)


def test_a_requests_log_lines_carry_its_id_its_user_and_its_ticket(
    client: Client, desk: Any, json_lines: io.StringIO
) -> None:
    client.force_login(desk.l1)
    response = client.get("/console/tickets/999999/", headers={"X-Request-ID": "req-0123456789"})
    assert response.status_code == 404 and response["X-Request-ID"] == "req-0123456789"
    [line] = [json.loads(text) for text in json_lines.getvalue().splitlines()]
    json_lines.truncate(0)
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert (line["request_id"], line["user_id"], line["ticket"]) == ("req-0123456789", desk.l1.pk, 999999)
    # An id from outside that is not a sane one is replaced by our own.
    response = client.get("/console/tickets/999998/", headers={"X-Request-ID": "bad id\nwith a newline"})
    assert len(response["X-Request-ID"]) == 32


def test_a_task_enqueued_in_a_request_is_logged_with_the_requests_id(json_lines: io.StringIO, db: Any) -> None:
    from tickets.tasks import dispatch_pending

    dispatch_pending.enqueue()  # outside a request: no line
    assert json_lines.getvalue() == ""

    token = request_id.set("req-abcdefgh")  # as the middleware does for a request
    try:
        result = dispatch_pending.enqueue()
    finally:
        request_id.reset(token)
    [line] = [json.loads(text) for text in json_lines.getvalue().splitlines()]
    assert (line["message"], line["request_id"], line["task_id"]) == ("task enqueued", "req-abcdefgh", str(result.id))
    assert line["task"] == "tickets.tasks.dispatch_pending"


def test_the_setting_switches_every_log_line_to_json():
    code = "import logging; logging.getLogger('tierdesk.example').warning('héllo %s', 'world')"
    result = run_manage("shell", "-c", code, TIERDESK_LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == ("WARNING", "tierdesk.example", "héllo world")
    assert "request_id" not in line  # outside a request
    assert run_manage("check", TIERDESK_LOG_FORMAT="xml").returncode != 0
