"""Routing decisions against two hosts in network namespaces this module creates.

* ``answers_ping``: a namespace where nothing listens, so it answers ping and every TCP
  connection is refused (RST): "answers ping, refuses TCP".
* ``drops_all``: a namespace whose only route back to the desk is a blackhole, so echo
  replies, SYN-ACKs and RSTs are all discarded: "drops everything".

Both hosts sit on veth pairs in 10.213.<n>.0/24, a private range used only by these
tests. Needs root and iproute2's ``ip``; without them the module is skipped, unless
``CI`` is true, where it fails instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from triage.probes import (
    DEVELOPMENT_DENYLIST,
    PRODUCTION_DENYLIST,
    DenyList,
    ProbeKind,
    ProbeOutcome,
    ProbeResult,
    run_probes_sync,
)
from triage.rules import Action, Decision, Endpoint, decide, probes_for

NOW = datetime(2027, 3, 24, 15, 30, tzinfo=UTC)
CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}
SUBNET_PREFIX = "10.213."


def unavailable(reason: str) -> None:
    if CI:
        pytest.fail(f"{reason}; CI is set, so the network-namespace tests must run", pytrace=False)
    pytest.skip(reason)


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=10)


@dataclass(frozen=True)
class Lab:
    answers_ping: str
    drops_all: str


@contextlib.contextmanager
def subnet_lock() -> Iterator[None]:
    path = Path(tempfile.gettempdir()) / "triage-netns-tests.lock"
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def free_third_octet() -> int:
    used = ip("-4", "-o", "addr", "show").stdout + ip("-4", "route", "show", "table", "all").stdout
    for octet in range(256):
        if f"{SUBNET_PREFIX}{octet}." not in used:
            return octet
    raise RuntimeError(f"no free /24 left in {SUBNET_PREFIX}0.0/16")


def add_host(namespace: str, link: str, desk_side: str, host_side: str) -> None:
    """A namespace joined to the desk's namespace by a veth pair on a /30."""
    ip("netns", "add", namespace)
    ip("-n", namespace, "link", "set", "lo", "up")
    ip("link", "add", f"{link}0", "type", "veth", "peer", "name", f"{link}1", "netns", namespace)
    ip("addr", "add", f"{desk_side}/30", "dev", f"{link}0")
    ip("link", "set", f"{link}0", "up")
    ip("-n", namespace, "addr", "add", f"{host_side}/30", "dev", f"{link}1")
    ip("-n", namespace, "link", "set", f"{link}1", "up")


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    if os.geteuid() != 0:
        unavailable("network-namespace tests need root")
    if shutil.which("ip") is None:
        unavailable("network-namespace tests need iproute2's `ip` (apt-get install -y iproute2)")
    tag = f"{os.getpid() % 10_000_000}"
    namespaces = [f"td{tag}p", f"td{tag}d"]
    links = [f"tdv{tag}p", f"tdv{tag}d"]
    try:
        try:
            with subnet_lock():
                octet = free_third_octet()
                base = ipaddress.IPv4Address(f"{SUBNET_PREFIX}{octet}.0")
                ping_desk, ping_host = str(base + 1), str(base + 2)
                drop_desk, drop_host = str(base + 5), str(base + 6)
                add_host(namespaces[0], links[0], ping_desk, ping_host)
                add_host(namespaces[1], links[1], drop_desk, drop_host)
            # Replies from the second host to the desk go nowhere: it receives everything
            # and answers nothing, like a host behind a firewall that drops all traffic.
            ip("-n", namespaces[1], "route", "add", "blackhole", f"{drop_desk}/32")
        except subprocess.CalledProcessError as exc:
            unavailable(f"cannot build the test namespaces: {' '.join(exc.cmd)}: {exc.stderr.strip()}")
        yield Lab(answers_ping=ping_host, drops_all=drop_host)
    finally:
        for namespace in namespaces:
            ip("netns", "del", namespace, check=False)
        for link in links:
            ip("link", "del", f"{link}0", check=False)


def triage(
    incident_type: str, product: str, endpoints: list[Endpoint], denylist: DenyList = DEVELOPMENT_DENYLIST
) -> tuple[Decision, list[ProbeResult]]:
    specs = probes_for(product, incident_type, endpoints, timeout=1.0)
    results = run_probes_sync(specs, denylist=denylist, concurrency=4, overall_timeout=10, now=lambda: NOW)
    return decide(incident_type, results), results


def outcomes(results: list[ProbeResult]) -> list[tuple[ProbeKind, ProbeOutcome, str]]:
    return [(r.kind, r.outcome, r.detail_code) for r in results]


def test_a_host_that_answers_ping_but_refuses_tcp_goes_to_l2(lab: Lab) -> None:
    decision, results = triage("server_no_ping", "dedicated", [Endpoint(lab.answers_ping, (22, 80), "server")])
    assert outcomes(results) == [
        (ProbeKind.PING, ProbeOutcome.UP, "ok"),
        (ProbeKind.TCP, ProbeOutcome.DOWN, "refused"),
        (ProbeKind.TCP, ProbeOutcome.DOWN, "refused"),
    ]
    assert (decision.action, decision.message_key) == (Action.TO_L2, "ping_answers_configuration")


def test_a_host_that_drops_everything_stays_in_l1(lab: Lab) -> None:
    decision, results = triage("server_no_ping", "dedicated", [Endpoint(lab.drops_all, (22,), "server")])
    assert outcomes(results) == [
        (ProbeKind.PING, ProbeOutcome.DOWN, "no_reply"),
        (ProbeKind.TCP, ProbeOutcome.DOWN, "timeout"),
    ]
    assert (decision.action, decision.message_key) == (Action.STAY_L1, "ping_down_hardware")


def test_a_web_host_that_answers_ping_but_serves_nothing_stays_in_l1(lab: Lab) -> None:
    decision, results = triage("hosting_unreachable", "hosting", [Endpoint(lab.answers_ping, (80,), "web")])
    assert outcomes(results) == [
        (ProbeKind.HTTP, ProbeOutcome.DOWN, "refused"),
        (ProbeKind.PING, ProbeOutcome.UP, "ok"),
    ]
    assert (decision.action, decision.message_key) == (Action.STAY_L1, "service_check_failed")


def test_the_production_deny_list_keeps_the_desk_out_of_these_private_hosts(lab: Lab) -> None:
    endpoints = [Endpoint(lab.answers_ping, (22,), "server"), Endpoint(lab.drops_all, (22,), "server")]
    decision, results = triage("server_no_ping", "dedicated", endpoints, PRODUCTION_DENYLIST)
    assert {(r.outcome, r.detail_code) for r in results} == {(ProbeOutcome.ERROR, "denied_range")}
    assert all("10.0.0.0/8" in r.detail for r in results)
    assert (decision.action, decision.message_key) == (Action.KEEP_FLAG_HUMAN, "checks_inconclusive")
