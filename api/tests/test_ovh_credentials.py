"""OVH credentials as OVH offers them, driven by the official ``ovh`` client against a live desk:
the current credential and the account's details, logging out, the credential and application
listings under /me/api, allowed IP blocks, a lifetime chosen on the validation page, the rate limit
of the calls without credentials, keys customers revoke and applications they create in the
Manager."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import ovh
import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from api import actions as api_actions
from api.models import ConsumerKey, CredentialState, OvhApplication
from api.tests.test_ovh_client import new_client, ovh_env, validated_client, validated_key

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["ovh_env"]  # the fixture, shared with the client's own tests


def request_and_validate(application, customer, *, allowed_ips=None, lifetime=None):  # type: ignore[no-untyped-def]
    client = new_client(application)
    request = client.new_consumer_key_request()
    request.add_recursive_rules(ovh.API_READ_WRITE, "/support")
    answer = request.request(allowedIPs=allowed_ips)
    browser = Client()
    browser.force_login(customer)
    page = urlsplit(answer["validationUrl"]).path
    shown = browser.get(page).content.decode()
    decision = {"decision": "validate"}
    if lifetime:
        decision["lifetime"] = lifetime
    assert browser.post(page, decision).status_code == 200
    return client, shown


RULES = [("GET", "/support/*"), ("GET", "/me/*"), ("DELETE", "/me/*")]


def test_the_credential_calls_of_the_official_client(ovh_env, desk):  # type: ignore[no-untyped-def]
    client = validated_client(ovh_env, desk.lucia, rules=RULES)
    current = client.get("/auth/currentCredential")
    key = ConsumerKey.objects.get()
    assert current["credentialId"] == key.pk and current["applicationId"] == ovh_env.pk
    assert current["status"] == "validated" and current["expiration"] is None and current["allowedIPs"] is None
    assert {"method": "GET", "path": "/support/*"} in current["rules"]
    assert set(current) == {
        "allowedIPs", "applicationId", "creation", "credentialId", "expiration", "lastUse", "ovhSupport", "rules",
        "status",
    }  # fmt: skip
    details = client.get("/auth/details")
    assert details["account"] == "lm4321-ovh" and details["method"] == "account"

    assert client.get("/me/api/credential") == [key.pk]
    assert client.get("/me/api/credential", status="validated") == [key.pk]
    assert client.get(f"/me/api/credential/{key.pk}")["credentialId"] == key.pk
    assert client.get(f"/me/api/credential/{key.pk}/application")["applicationKey"] == ovh_env.application_key
    assert client.get("/me/api/application") == [ovh_env.pk]
    assert client.get(f"/me/api/application/{ovh_env.pk}")["name"] == "Lucía's backup script"
    with pytest.raises(ovh.Forbidden):  # not the application's creator
        client.delete(f"/me/api/application/{ovh_env.pk}")

    # Another customer's key is not theirs to see or delete.
    pedro = validated_client(ovh_env, desk.pedro, rules=RULES)
    pedros = ConsumerKey.objects.get(user=desk.pedro)
    with pytest.raises(ovh.ResourceNotFoundError):
        client.get(f"/me/api/credential/{pedros.pk}")
    with pytest.raises(ovh.ResourceNotFoundError):
        client.delete(f"/me/api/credential/{pedros.pk}")
    assert pedro.get("/me/api/credential") == [pedros.pk]

    # Deleting a credential revokes it; logging out revokes the key that calls.
    assert pedro.delete(f"/me/api/credential/{pedros.pk}") is None
    with pytest.raises(ovh.InvalidCredential):
        pedro.get("/support/tickets")
    assert client.post("/auth/logout") is None
    with pytest.raises(ovh.InvalidCredential):
        client.get("/auth/currentCredential")
    assert ConsumerKey.objects.get(pk=key.pk).state == CredentialState.EXPIRED


def test_allowed_ips_are_shown_and_enforced(ovh_env, desk):  # type: ignore[no-untyped-def]
    elsewhere, shown = request_and_validate(ovh_env, desk.lucia, allowed_ips=["192.0.2.0/24", "2001:db8::/32"])
    assert "192.0.2.0/24" in shown and "2001:db8::/32" in shown
    with pytest.raises(ovh.Forbidden):
        elsewhere.get("/support/tickets")
    here, _shown = request_and_validate(ovh_env, desk.lucia, allowed_ips=["127.0.0.1/32", "::1"])
    assert here.get("/support/tickets") == []
    assert here.get("/auth/currentCredential")["allowedIPs"] == ["127.0.0.1/32", "::1/128"]
    with pytest.raises(ovh.BadParametersError):
        new_client(ovh_env).post(
            "/auth/credential", _need_auth=False, accessRules=[{"method": "GET", "path": "/*"}], allowedIPs=["nope"]
        )


def test_a_lifetime_chosen_on_the_validation_page_ends_the_key(ovh_env, desk):  # type: ignore[no-untyped-def]
    client, shown = request_and_validate(ovh_env, desk.lucia, lifetime="1d")
    assert 'value="1d"' in shown and 'value="unlimited"' in shown
    expiration = client.get("/auth/currentCredential")["expiration"]
    assert expiration is not None
    assert client.get("/support/tickets") == []
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1), tick=True):
        with pytest.raises(ovh.InvalidCredential):
            client.get("/support/tickets")


def test_critical_intervention_raises_the_clients_forbidden(ovh_env, desk):  # type: ignore[no-untyped-def]
    client = validated_client(ovh_env, desk.lucia)
    with pytest.raises(ovh.Forbidden):
        client.post("/support/tickets/create", subject="x", body="y", type="criticalIntervention")


def test_calls_without_credentials_are_rate_limited(ovh_env, desk, settings):  # type: ignore[no-untyped-def]
    settings.API_RATE_LIMIT_ANONYMOUS = 3
    client = new_client(ovh_env)
    for _ in range(3):
        assert isinstance(client.get("/auth/time", _need_auth=False), int)
    with pytest.raises(ovh.APIError) as limited:
        client.get("/auth/time", _need_auth=False)
    assert limited.value.response.status_code == 429 and limited.value.response.headers["Retry-After"]
    request = client.new_consumer_key_request()
    request.add_rule("GET", "/*")
    with pytest.raises(ovh.APIError):
        request.request()


def test_pending_keys_nobody_validated_are_purged(ovh_env, desk):  # type: ignore[no-untyped-def]
    from api.tasks import purge_api_records

    old = api_actions.request_consumer_key(
        application=ovh_env, rules=[{"method": "GET", "path": "/*"}], now=timezone.now() - timedelta(days=2)
    )
    fresh = api_actions.request_consumer_key(application=ovh_env, rules=[{"method": "GET", "path": "/*"}])
    validated_client(ovh_env, desk.lucia)
    purge_api_records.call()
    left = set(ConsumerKey.objects.values_list("pk", flat=True))
    assert old.key.pk not in left and fresh.key.pk in left and len(left) == 2


def test_customers_revoke_keys_and_create_applications_in_the_manager(ovh_env, desk):  # type: ignore[no-untyped-def]
    client = validated_client(ovh_env, desk.lucia)
    key = ConsumerKey.objects.get()
    browser = Client()
    browser.force_login(desk.lucia)
    page = browser.get("/api/tokens/").content.decode()
    assert "Lucía&#x27;s backup script" in page and "GET /support/*" in page
    other = Client()
    other.force_login(desk.pedro)
    assert other.post(f"/api/keys/{key.pk}/revoke/").status_code == 404
    assert browser.post(f"/api/keys/{key.pk}/revoke/").status_code == 302
    with pytest.raises(ovh.InvalidCredential):
        client.get("/support/tickets")

    created = browser.post("/api/applications/", {"name": "My own script", "description": ""})
    assert created.status_code == 302
    shown = browser.get("/api/tokens/").content.decode()
    application = OvhApplication.objects.get(owner=desk.lucia)
    secret = re.search(r'data-testid="new-application-secret"', shown) and re.search(
        r'id="new-as" readonly value="([0-9a-f]{32})"', shown
    )
    assert secret and application.application_key in shown
    assert "new-application-secret" not in browser.get("/api/tokens/").content.decode()  # shown once
    _own, consumer_key = validated_key(application, desk.lucia, rules=RULES)
    own_with_secret = new_client(application, consumer_key=consumer_key, secret=secret.group(1))
    assert own_with_secret.get("/support/tickets") == []
    assert application.pk in own_with_secret.get("/me/api/application")
    assert browser.post(f"/api/applications/{application.pk}/delete/").status_code == 302
    with pytest.raises(ovh.InvalidKey):
        own_with_secret.get("/support/tickets")
