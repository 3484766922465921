"""``/ping``: is the API up?"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from api.schemas import PingOut

router = Router(tags=["meta"])


@router.get("/ping", response=PingOut, auth=None, summary="Is the API up?")
def ping(request: HttpRequest) -> Any:
    return {"ok": True, "time": timezone.now()}
