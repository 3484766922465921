"""Fixtures of the API tests: tokens for the desk's personas and a JSON client."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client


@dataclass
class Api:
    client: Client
    token: str

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self._headers(headers))

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            data=json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers=self._headers(headers),
        )


@pytest.fixture
def make_api(desk):  # type: ignore[no-untyped-def]
    from api.actions import create_token

    def make(user: Any, scope: str = "write") -> Api:
        new = create_token(user=user, name=f"{user.username} token", scope=scope, actor=user)
        return Api(client=Client(), token=new.secret)

    return make
