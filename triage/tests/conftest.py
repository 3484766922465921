"""Fixtures for the Django side of triage: stubs on loopback, signed monitoring deliveries."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client, override_settings

from core.signing import build_header

SECRET = "monitoring-test-secret-0123456789"


@pytest.fixture(autouse=True)
def _automatic_triage_on(settings: Any) -> None:
    settings.TRIAGE_ON_DECLARE = True


def set_endpoint(service: Any, *, host: str = "127.0.0.1", ports: list[int], role: str) -> None:
    """Replace the service's declared endpoints with one."""
    from services.models import Endpoint

    service.endpoints.all().delete()
    Endpoint.objects.create(service=service, host=host, ports=ports, role=role)


@pytest.fixture
def declare(desk: Any, django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """A customer declares an incident from the Manager; the after-commit work (dispatch, probes)
    runs as it would after a real commit."""
    from tickets import actions

    def make(customer: Any, service: Any, category: str, **extra: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = actions.open_ticket(
                organisation=customer.organisation,
                requester=customer,
                service=service,
                category=desk.category(category),
                subject=extra.pop("subject", "No funciona"),
                body=extra.pop("body", "No funciona desde esta mañana."),
                channel="manager",
                actor=customer,
                **extra,
            )
        ticket.refresh_from_db()
        return ticket

    return make


@pytest.fixture
def monitoring(client: Client, django_capture_on_commit_callbacks: Any) -> Iterator[Callable[..., Any]]:
    """POST a signed alert to the webhook; returns the response."""
    with override_settings(TIERDESK_MONITORING_SECRET=SECRET):

        def post(
            payload: dict[str, Any] | None = None,
            *,
            body: bytes | None = None,
            timestamp: int | None = None,
            header: str | None = None,
            secret: str = SECRET,
        ) -> Any:
            raw = body if body is not None else json.dumps(payload).encode()
            signature = (
                header
                if header is not None
                else build_header(secret.encode(), timestamp if timestamp is not None else int(time.time()), raw)
            )
            with django_capture_on_commit_callbacks(execute=True):
                return client.post(
                    "/triage/monitoring/alerts",
                    data=raw,
                    content_type="application/json",
                    headers={"Tierdesk-Signature": signature},
                )

        yield post


@pytest.fixture(autouse=True)
def fresh_rule_cache() -> Iterator[None]:
    """Each test reads the routing table from its own database state."""
    from triage.routing import invalidate_rules

    invalidate_rules()
    yield
    invalidate_rules()
