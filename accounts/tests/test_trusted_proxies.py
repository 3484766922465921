"""The lockout counts the client's address behind the proxies TIERDESK_TRUSTED_PROXIES names,
and never believes an X-Forwarded-For that an untrusted peer (or the client itself) wrote."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import LoginAttempt
from conftest import DEMO_PASSWORD
from core.netaddr import client_address

LOGIN = reverse("accounts:login")


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("10.0.0.5", "", "10.0.0.5"),  # a trusted proxy with no header: itself
        ("10.0.0.5", "198.51.100.7", "198.51.100.7"),
        ("10.0.0.5", "203.0.113.66, 198.51.100.7", "198.51.100.7"),  # the left hop is the client's own claim
        ("10.0.0.5", "198.51.100.7, 10.0.0.9", "198.51.100.7"),  # two trusted proxies in a row
        ("192.0.2.1", "198.51.100.7", "192.0.2.1"),  # not a trusted peer: header ignored
        ("fd00::2", "2001:db8::77", "2001:db8::77"),  # IPv6 proxy network
        ("10.0.0.5", "[2001:db8::77]:4711", "2001:db8::77"),
        ("10.0.0.5", "198.51.100.7:5000", "198.51.100.7"),
        ("10.0.0.5", "garbage, 198.51.100.7", "198.51.100.7"),
        ("10.0.0.5", "198.51.100.7, garbage", "10.0.0.5"),
        ("::ffff:10.0.0.5", "198.51.100.7", "198.51.100.7"),
    ],
)
def test_the_client_address_is_read_from_the_right(settings, peer, forwarded, expected):  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "fd00::/8"]
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_without_trusted_proxies_the_header_is_ignored(settings):  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert client_address(request) == "10.0.0.5"


def test_behind_the_proxy_one_client_is_locked_and_not_the_others(client, desk, settings):  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.LOGIN_FAILURE_LIMIT_PER_IP = 3
    for name in ("a1-ovh", "a2-ovh", "a3-ovh"):
        client.post(
            LOGIN, {"username": name, "password": "wrong-password"}, REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )  # fmt: skip
    assert set(LoginAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    attacker = client.post(
        LOGIN, {"username": "pg2468-ovh", "password": DEMO_PASSWORD}, REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )  # fmt: skip
    assert attacker.status_code == 429
    # The attacker cannot slip out by writing another address in front: the proxy appends theirs.
    spoofed = client.post(
        LOGIN, {"username": "pg2468-ovh", "password": DEMO_PASSWORD}, REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="203.0.113.1, 198.51.100.7",
    )  # fmt: skip
    assert spoofed.status_code == 429
    neighbour = client.post(
        LOGIN, {"username": "pg2468-ovh", "password": DEMO_PASSWORD}, REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )  # fmt: skip
    assert neighbour.status_code == 302
