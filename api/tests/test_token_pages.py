"""The page where customers and staff create and revoke their API tokens."""

from __future__ import annotations

import re

from api.models import ApiToken


def test_a_customer_creates_a_token_seen_once_and_revokes_it(desk, client):  # type: ignore[no-untyped-def]
    client.force_login(desk.lucia)
    page = client.get("/api/tokens/")
    assert page.status_code == 200 and "API tokens" in page.content.decode() or "tokens" in page.content.decode()
    created = client.post("/api/tokens/", {"name": "copias", "scope": "write"})
    assert created.status_code == 200
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
