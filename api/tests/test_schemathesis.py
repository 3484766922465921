"""Schemathesis over /api/v1/openapi.json, with a customer's token and a supervisor's: no server
errors, every answer as documented. Derandomized (a fixed seed per operation), so a run repeats
the same cases and a failure reproduces."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tierdesk.wsgi import application

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(params=["customer", "staff"])
def bearer(request, desk, open_incident):  # type: ignore[no-untyped-def]
    from api.actions import create_token

    open_incident()  # something to find
    user = desk.lucia if request.param == "customer" else desk.supervisor
    return create_token(user=user, name="fuzz", scope="write", actor=user).secret


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# Valid requests only (invalid ones are covered by the error tests), the token given below, and
# a bounded number of examples so the whole run stays well under two minutes.
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE], max_examples=12, with_security_parameters=False, allow_extra_parameters=False
)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@pytest.mark.django_db
def test_the_api_keeps_its_documented_promises(case, bearer, settings_overrides):  # type: ignore[no-untyped-def]
    case.call_and_validate(headers={"Authorization": f"Bearer {bearer}"}, checks=CHECKS)


@pytest.fixture
def settings_overrides(settings):  # type: ignore[no-untyped-def]
    settings.API_RATE_LIMIT = 100_000  # the fuzzer is not a client to slow down
    # Calls go through the WSGI handler, not Django's test client: keep the test's connection
    # (and its transaction) open across requests, as the test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def integration_bearer(desk):  # type: ignore[no-untyped-def]
    from api.actions import create_token

    organisation = desk.lucia.organisation
    organisation.external_id = "ORG-1"  # something for generated contacts and services to belong to
    organisation.save()
    return create_token(user=desk.supervisor, name="fuzz", scope="provisioning", actor=desk.supervisor).secret


@schema.include(path_regex="^/api/v1/provisioning/").parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@pytest.mark.django_db
def test_provisioning_keeps_its_documented_promises(case, integration_bearer, settings_overrides):  # type: ignore[no-untyped-def]
    case.call_and_validate(headers={"Authorization": f"Bearer {integration_bearer}"}, checks=CHECKS)
