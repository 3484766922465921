"""The page where customers and staff create and revoke their API tokens."""

from __future__ import annotations

import re

from api.models import ApiToken


def test_a_customer_creates_a_token_seen_once_and_revokes_it(desk, client):  # type: ignore[no-untyped-def]
    client.force_login(desk.lucia)
    page = client.get("/api/tokens/")
    assert page.status_code == 200 and "API tokens" in page.content.decode() or "tokens" in page.content.decode()
    created = client.post("/api/tokens/", {"name": "copias", "scope": "write"}, follow=True)
    assert created.redirect_chain == [("/api/tokens/", 302)] and created["Cache-Control"] == "no-store"
    secret = re.search(r'value="(tdk_[^"]+)"', created.content.decode()).group(1)  # type: ignore[union-attr]
    token = ApiToken.objects.get()
    assert token.digest != secret and secret not in token.digest and token.prefix in secret
    assert secret not in client.get("/api/tokens/").content.decode()
    assert client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    revoked = client.post(f"/api/tokens/{token.pk}/revoke/", follow=True)
    assert revoked.status_code == 200
    assert client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_bad_input_keeps_what_was_typed(desk, client):  # type: ignore[no-untyped-def]
    client.force_login(desk.l1)
    answer = client.post("/api/tokens/", {"name": "guion de guardia", "scope": "admin"})
    assert answer.status_code == 400
    assert 'value="guion de guardia"' in answer.content.decode()
    assert not ApiToken.objects.exists()


def test_nobody_revokes_someone_elses_token(desk, client):  # type: ignore[no-untyped-def]
    from api.actions import create_token

    new = create_token(user=desk.lucia, name="x", scope="read", actor=desk.lucia)
    client.force_login(desk.pedro)
    assert client.post(f"/api/tokens/{new.token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None
    client.logout()
    assert client.get("/api/tokens/").status_code == 302


def test_a_key_left_pending_for_a_day_expires(desk, client):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from api.actions import request_consumer_key
    from api.models import ConsumerKey, CredentialState, OvhApplication

    application = OvhApplication.objects.create(name="Script", application_key="ak", application_secret="as")
    new = request_consumer_key(application=application, rules=[{"method": "GET", "path": "/support/*"}])
    ConsumerKey.objects.filter(pk=new.key.pk).update(created_at=new.key.created_at - timedelta(days=2))
    client.force_login(desk.lucia)
    page = f"/api/credentials/{new.key.validation_token}/"
    assert client.post(page, {"decision": "validate"}).status_code == 400
    assert ConsumerKey.objects.get().state == CredentialState.EXPIRED
    assert client.get("/api/credentials/nope/").status_code == 404
    client.force_login(desk.l1)
    staff = request_consumer_key(application=application, rules=[{"method": "GET", "path": "/support/*"}])
    assert client.post(f"/api/credentials/{staff.key.validation_token}/", {"decision": "validate"}).status_code == 400
