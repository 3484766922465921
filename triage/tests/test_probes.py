"""Probes against stubs on 127.0.0.1 that each test starts itself (no outbound network)."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import ipaddress
import os
import shutil
import socket
import ssl
import stat
import subprocess
import threading
import time
from collections.abc import Coroutine, Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from aiosmtpd.controller import Controller
from hypothesis import given, settings
from hypothesis import strategies as st

from triage import probes
from triage.probes import (
    DEVELOPMENT_DENYLIST,
    PRODUCTION_DENYLIST,
    DenyList,
    ProbeKind,
    ProbeOutcome,
    ProbeResult,
    ProbeSpec,
    UnresolvableHost,
    check_target,
    dns_resolve,
    http_status,
    ping,
    probe,
    run_probes,
    run_probes_sync,
    smtp_greeting,
    tcp_connect,
)
from triage.rules import Action, Endpoint, decide, probes_for

NOW = datetime(2027, 3, 24, 15, 30, tzinfo=UTC)
OPEN = DEVELOPMENT_DENYLIST
IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="raw ICMP needs root")


def clock() -> datetime:
    return NOW


def run[T](coro: Coroutine[object, object, T]) -> T:
    return asyncio.run(coro)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def fixed_resolver(mapping: dict[str, Sequence[str]]) -> probes.Resolve:
    async def resolve(host: str) -> Sequence[str]:
        if host not in mapping:
            raise UnresolvableHost(host)
        return mapping[host]

    return resolve


# ----------------------------------------------------------------------------- stubs


@pytest.fixture
def tcp_listener() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _HTTPStub

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Host", "")))
        status = self.server.status
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/redirect":
            status = 301
        body = b"hello\n"
        self.send_response(status)
        if status == 301:
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _HTTPStub(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, status: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.status = status
        self.requests: list[tuple[str, str]] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@contextlib.contextmanager
def http_stub(status: int, tls: ssl.SSLContext | None = None) -> Iterator[_HTTPStub]:
    server = _HTTPStub(status)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def http_ok() -> Iterator[_HTTPStub]:
    with http_stub(200) as server:
        yield server


@pytest.fixture
def http_500() -> Iterator[_HTTPStub]:
    with http_stub(500) as server:
        yield server


class DnsStub:
    """A UDP name server: www.example.test has an A record; servfail.example.test fails;
    every other name is NXDOMAIN."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.queries: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            question = query.question[0]
            name = question.name.to_text()
            self.queries.append(name)
            if name == "www.example.test.":
                if question.rdtype == dns.rdatatype.A:
                    response.answer.append(dns.rrset.from_text(question.name, 300, "IN", "A", "192.0.2.10"))
            elif name == "servfail.example.test.":
                response.set_rcode(dns.rcode.SERVFAIL)
            else:
                response.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(response.to_wire(), peer)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def dns_stub() -> Iterator[DnsStub]:
    stub = DnsStub()
    try:
        yield stub
    finally:
        stub.close()


class _Sink:
    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 OK"


@pytest.fixture
def smtp_stub() -> Iterator[int]:
    port = closed_port()
    controller = Controller(_Sink(), hostname="127.0.0.1", port=port, ready_timeout=5)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


class RawServer:
    """Accepts TCP connections; sends ``greeting`` (if any) and then holds them open."""

    def __init__(self, greeting: bytes | None) -> None:
        self.greeting = greeting
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.conns.append(conn)
            if self.greeting is not None:
                conn.sendall(self.greeting)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        for conn in self.conns:
            conn.close()
        self.sock.close()


@pytest.fixture
def silent_server() -> Iterator[RawServer]:
    server = RawServer(None)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def rude_smtp_server() -> Iterator[RawServer]:
    server = RawServer(b"554 5.3.2 no service here\r\n")
    try:
        yield server
    finally:
        server.close()


# ----------------------------------------------------------------------------- TCP


def test_it_reports_an_open_port_as_up_with_time_and_latency(tcp_listener: int) -> None:
    spec = ProbeSpec(ProbeKind.TCP, "127.0.0.1", tcp_listener, timeout=2)
    result = run(tcp_connect(spec, denylist=OPEN, now=clock))
    assert result.outcome is ProbeOutcome.UP
    assert result.detail_code == "ok"
    assert result.latency_ms is not None and result.latency_ms >= 0
    assert result.started_at == NOW
    assert result.started_at.tzinfo is UTC
    assert result.spec is spec and result.target == "127.0.0.1" and result.kind is ProbeKind.TCP


def test_it_reports_a_closed_port_as_down_refused() -> None:
    spec = ProbeSpec(ProbeKind.TCP, "127.0.0.1", closed_port(), timeout=2)
    result = run(tcp_connect(spec, denylist=OPEN, now=clock))
    assert (result.outcome, result.detail_code) == (ProbeOutcome.DOWN, "refused")


def test_it_stores_started_at_in_utc_whatever_the_clock_zone(tcp_listener: int) -> None:
    madrid_summer = timezone(timedelta(hours=2))
    spec = ProbeSpec(ProbeKind.TCP, "127.0.0.1", tcp_listener)
    result = run(tcp_connect(spec, denylist=OPEN, now=lambda: datetime(2027, 6, 1, 12, 0, tzinfo=madrid_summer)))
    assert result.started_at == datetime(2027, 6, 1, 10, 0, tzinfo=UTC)
    assert result.started_at.utcoffset() == timedelta(0)


def test_it_refuses_a_naive_clock(tcp_listener: int) -> None:
    spec = ProbeSpec(ProbeKind.TCP, "127.0.0.1", tcp_listener)
    with pytest.raises(ValueError, match="aware"):
        run(tcp_connect(spec, denylist=OPEN, now=lambda: NOW.replace(tzinfo=None)))


# ----------------------------------------------------------------------------- HTTP


def test_it_reports_http_200_as_up(http_ok: _HTTPStub) -> None:
    spec = ProbeSpec(ProbeKind.HTTP, "127.0.0.1", http_ok.port, timeout=2)
    result = run(http_status(spec, denylist=OPEN, now=clock))
    assert result.outcome is ProbeOutcome.UP
    assert result.code == 200
    assert result.latency_ms is not None and result.latency_ms > 0
    assert http_ok.requests == [("/", f"127.0.0.1:{http_ok.port}")]


def test_it_reports_http_500_as_down(http_500: _HTTPStub) -> None:
    spec = ProbeSpec(ProbeKind.HTTP, "127.0.0.1", http_500.port, timeout=2)
    result = run(http_status(spec, denylist=OPEN, now=clock))
    assert (result.outcome, result.detail_code, result.code) == (ProbeOutcome.DOWN, "http_server_error", 500)
    assert "500" in result.detail
    assert result.latency_ms is not None


def test_it_does_not_follow_redirects(http_ok: _HTTPStub) -> None:
    spec = ProbeSpec(ProbeKind.HTTP, "127.0.0.1", http_ok.port, path="/redirect", timeout=2)
    result = run(http_status(spec, denylist=OPEN, now=clock))
    assert (result.outcome, result.code) == (ProbeOutcome.UP, 301)
    assert [path for path, _host in http_ok.requests] == ["/redirect"]


def test_it_reports_a_closed_http_port_as_down() -> None:
    spec = ProbeSpec(ProbeKind.HTTP, "127.0.0.1", closed_port(), timeout=2)
    result = run(http_status(spec, denylist=OPEN, now=clock))
    assert (result.outcome, result.detail_code) == (ProbeOutcome.DOWN, "refused")


def test_it_reports_a_slow_http_server_as_down_timeout(http_ok: _HTTPStub) -> None:
    spec = ProbeSpec(ProbeKind.HTTP, "127.0.0.1", http_ok.port, path="/slow", timeout=0.5)
    started = time.perf_counter()
    result = run(http_status(spec, denylist=OPEN, now=clock))
    assert (result.outcome, result.detail_code) == (ProbeOutcome.DOWN, "timeout")
    assert result.latency_ms is None
    assert time.perf_counter() - started < 1.5


def test_it_sends_the_declared_host_name_but_connects_to_the_checked_address(http_ok: _HTTPStub) -> None:
    spec = ProbeSpec(ProbeKind.HTTP, "www.customer.test", http_ok.port, timeout=2)
    resolve = fixed_resolver({"www.customer.test": ["127.0.0.1"]})
    result = run(http_status(spec, denylist=OPEN, resolve=resolve, now=clock))
    assert result.outcome is ProbeOutcome.UP
    assert http_ok.requests == [("/", f"www.customer.test:{http_ok.port}")]


def test_it_reports_garbage_instead_of_http_as_down(rude_smtp_server: RawServer) -> None:
    spec = ProbeSpec(ProbeKind.HTTP, "127.0.0.1", rude_smtp_server.port, timeout=2)
    result = run(http_status(spec, denylist=OPEN, now=clock))
    assert (result.outcome, result.detail_code) == (ProbeOutcome.DOWN, "bad_response")


@pytest.fixture
def https_ok(tmp_path: Path) -> Iterator[_HTTPStub]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with http_stub(200, context) as server:
        yield server


def test_it_checks_https_and_reports_a_certificate_failure_as_down(https_ok: _HTTPStub) -> None:
    lenient = ProbeSpec(ProbeKind.HTTP, "127.0.0.1", https_ok.port, tls=True, verify_tls=False, timeout=3)
    result = run(http_status(lenient, denylist=OPEN, now=clock))
    assert (result.outcome, result.code) == (ProbeOutcome.UP, 200)
    strict = ProbeSpec(ProbeKind.HTTP, "127.0.0.1", https_ok.port, tls=True, timeout=3)
    result = run(http_status(strict, denylist=OPEN, now=clock))
    assert (result.outcome, result.detail_code) == (ProbeOutcome.DOWN, "tls_error")


# ----------------------------------------------------------------------------- DNS


def dns_spec(stub: DnsStub, name: str, record_type: str = "A") -> ProbeSpec:
    return ProbeSpec(ProbeKind.DNS, "127.0.0.1", stub.port, timeout=2, query_name=name, record_type=record_type)


def test_it_resolves_a_name_through_the_configured_resolver(dns_stub: DnsStub) -> None:
    result = run(dns_resolve(dns_spec(dns_stub, "www.example.test"), denylist=OPEN, now=clock))
    assert result.outcome is ProbeOutcome.UP
    assert "192.0.2.10" in result.detail
    assert dns_stub.queries == ["www.example.test."]


@pytest.mark.parametrize(
    ("name", "record_type", "detail_code"),
    [
        ("missing.example.test", "A", "nxdomain"),
        ("www.example.test", "AAAA", "no_answer"),
        ("servfail.example.test", "A", "servfail"),
    ],
)
def test_it_reports_dns_failures_as_down(dns_stub: DnsStub, name: str, record_type: str, detail_code: str) -> None:
    result = run(dns_resolve(dns_spec(dns_stub, name, record_type), denylist=OPEN, now=clock))
    assert (result.outcome, result.detail_code) == (ProbeOutcome.DOWN, detail_code)


def test_it_reports_a_resolver_that_is_not_there_as_down() -> None:
    port = closed_port()
    spec = ProbeSpec(ProbeKind.DNS, "127.0.0.1", port, timeout=1, query_name="www.example.test")
    result = run(dns_resolve(spec, denylist=OPEN, now=clock))
    assert result.outcome is ProbeOutcome.DOWN
    assert result.detail_code in {"refused", "timeout"}


# ----------------------------------------------------------------------------- SMTP


def test_it_reads_the_smtp_greeting(smtp_stub: int) -> None:
    spec = ProbeSpec(ProbeKind.SMTP, "127.0.0.1", smtp_stub, timeout=3)
    result = run(smtp_greeting(spec, denylist=OPEN, now=clock))
    assert (result.outcome, result.code) == (ProbeOutcome.UP, 220)
    assert result.latency_ms is not None


def test_a_server_that_accepts_but_never_greets_is_down_no_greeting(silent_server: RawServer) -> None:
    spec = ProbeSpec(ProbeKind.SMTP, "127.0.0.1", silent_server.port, timeout=0.5)
    result = run(smtp_greeting(spec, denylist=OPEN, now=clock))
    assert (result.outcome, result.detail_code) == (ProbeOutcome.DOWN, "no_greeting")


def test_a_refusing_smtp_greeting_is_down(rude_smtp_server: RawServer) -> None:
    spec = ProbeSpec(ProbeKind.SMTP, "127.0.0.1", rude_smtp_server.port, timeout=2)
    result = run(smtp_greeting(spec, denylist=OPEN, now=clock))
    assert (result.outcome, result.detail_code, result.code) == (ProbeOutcome.DOWN, "bad_greeting", 554)


def test_a_closed_smtp_port_is_down_refused() -> None:
    spec = ProbeSpec(ProbeKind.SMTP, "127.0.0.1", closed_port(), timeout=2)
    result = run(smtp_greeting(spec, denylist=OPEN, now=clock))
    assert (result.outcome, result.detail_code) == (ProbeOutcome.DOWN, "refused")


# ----------------------------------------------------------------------------- ping


@needs_root
def test_it_pings_loopback_with_raw_icmp_as_root() -> None:
    spec = ProbeSpec(ProbeKind.PING, "127.0.0.1", timeout=2)
    result = run(ping(spec, denylist=OPEN, now=clock))
    assert result.outcome is ProbeOutcome.UP, result.detail
    assert result.latency_ms is not None and result.latency_ms >= 0


def fake_ping(tmp_path: Path, exit_code: int, output: str) -> tuple[str, Path]:
    record = tmp_path / "args"
    script = tmp_path / "ping"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\necho "{output}"\nexit {exit_code}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script), record


def test_it_falls_back_to_the_ping_command_when_not_privileged(tmp_path: Path) -> None:
    command, record = fake_ping(tmp_path, 0, "64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.042 ms")
    spec = ProbeSpec(ProbeKind.PING, "127.0.0.1", timeout=1.5)
    result = run(ping(spec, denylist=OPEN, now=clock, privileged=False, command=command))
    assert (result.outcome, result.latency_ms) == (ProbeOutcome.UP, 0.042)
    assert record.read_text().split() == ["-n", "-c", "1", "-W", "2", "127.0.0.1"]


@pytest.mark.parametrize(
    ("exit_code", "outcome", "detail_code"),
    [(1, ProbeOutcome.DOWN, "no_reply"), (2, ProbeOutcome.ERROR, "ping_failed")],
)
def test_it_reads_the_ping_command_exit_status(
    tmp_path: Path, exit_code: int, outcome: ProbeOutcome, detail_code: str
) -> None:
    command, _ = fake_ping(tmp_path, exit_code, "ping: something")
    spec = ProbeSpec(ProbeKind.PING, "127.0.0.1", timeout=1)
    result = run(ping(spec, denylist=OPEN, now=clock, privileged=False, command=command))
    assert (result.outcome, result.detail_code) == (outcome, detail_code)


def test_without_raw_icmp_or_ping_command_the_probe_is_an_error(tmp_path: Path) -> None:
    spec = ProbeSpec(ProbeKind.PING, "127.0.0.1", timeout=1)
    result = run(ping(spec, denylist=OPEN, now=clock, privileged=False, command=str(tmp_path / "no-ping")))
    assert (result.outcome, result.detail_code) == (ProbeOutcome.ERROR, "no_ping_method")


# ----------------------------------------------------------------------------- deny-list


@pytest.fixture
def no_packets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record any attempt to reach a target: the probe exchange and every socket path."""
    attempts: list[str] = []

    async def dispatch(spec: ProbeSpec, address: str, *args: object) -> object:
        attempts.append(f"dispatch {spec.kind} {address}")
        raise AssertionError("a denied target must not be probed")

    async def open_connection(*args: object, **kwargs: object) -> object:
        attempts.append(f"open_connection {args}")
        raise AssertionError("no connection expected")

    async def async_ping(*args: object, **kwargs: object) -> object:
        attempts.append(f"async_ping {args}")
        raise AssertionError("no ICMP expected")

    monkeypatch.setattr(probes, "_dispatch", dispatch)
    monkeypatch.setattr("asyncio.open_connection", open_connection)
    monkeypatch.setattr("icmplib.async_ping", async_ping)
    return attempts


@pytest.mark.parametrize(
    "spec",
    [
        ProbeSpec(ProbeKind.PING, "10.0.0.1"),
        ProbeSpec(ProbeKind.TCP, "10.0.0.1", 22),
        ProbeSpec(ProbeKind.HTTP, "10.0.0.1"),
        ProbeSpec(ProbeKind.DNS, "10.0.0.1", query_name="example.com"),
        ProbeSpec(ProbeKind.SMTP, "10.0.0.1"),
    ],
    ids=lambda spec: str(spec.kind),
)
def test_it_refuses_a_private_target_in_production_without_sending_anything(
    spec: ProbeSpec, no_packets: list[str]
) -> None:
    result = run(probe(spec, denylist=PRODUCTION_DENYLIST, now=clock))
    assert (result.outcome, result.detail_code) == (ProbeOutcome.ERROR, "denied_range")
    assert "10.0.0.0/8" in result.detail
    assert result.latency_ms is None
    assert no_packets == []


def test_it_refuses_a_host_name_that_resolves_into_a_denied_range(no_packets: list[str]) -> None:
    denylist = DenyList.from_cidrs(["127.0.0.0/8"])
    resolve = fixed_resolver({"intranet.customer.test": ["127.0.0.1"]})
    spec = ProbeSpec(ProbeKind.HTTP, "intranet.customer.test", 80)
    result = run(http_status(spec, denylist=denylist, resolve=resolve, now=clock))
    assert (result.outcome, result.detail_code) == (ProbeOutcome.ERROR, "denied_range")
    assert "intranet.customer.test resolves to 127.0.0.1" in result.detail
    assert "127.0.0.0/8" in result.detail
    assert no_packets == []


def test_it_refuses_when_any_resolved_address_is_denied() -> None:
    resolve = fixed_resolver({"mixed.test": ["192.0.2.7", "2001:db8::1", "192.168.1.5"]})
    check = run(check_target("mixed.test", PRODUCTION_DENYLIST, resolve))
    assert not check.allowed
    assert (check.reason_code, check.network, check.denied_address) == (
        "denied_range",
        "192.168.0.0/16",
        "192.168.1.5",
    )


def test_the_system_resolver_path_is_checked_too() -> None:
    denylist = DenyList.from_cidrs(["127.0.0.0/8", "::1/128"])
    for host in ("localhost", "127.1"):
        check = run(check_target(host, denylist))
        assert check.reason_code == "denied_range", host
        assert check.network in {"127.0.0.0/8", "::1/128"}


@pytest.mark.parametrize(
    ("target", "network"),
    [
        ("169.254.169.254", "169.254.169.254/32"),
        ("::ffff:10.1.2.3", "10.0.0.0/8"),
        ("[::1]", "::1/128"),
        ("100.64.0.1", "100.64.0.0/10"),
        ("fd12::1", "fc00::/7"),
        ("0.1.2.3", "0.0.0.0/8"),
        ("224.0.0.1", "224.0.0.0/4"),
        ("172.20.0.1", "172.16.0.0/12"),
        ("fe80::1", "fe80::/10"),
    ],
)
def test_the_production_deny_list_names_the_range(target: str, network: str) -> None:
    check = run(check_target(target, PRODUCTION_DENYLIST))
    assert (check.allowed, check.reason_code, check.network) == (False, "denied_range", network)
    assert network in check.message


def test_public_addresses_pass_the_production_deny_list() -> None:
    check = run(check_target("192.0.2.1", PRODUCTION_DENYLIST))
    assert (check.allowed, check.addresses) == (True, ("192.0.2.1",))


def test_an_allowed_carve_out_beats_the_denied_range() -> None:
    denylist = DenyList.from_cidrs(["10.0.0.0/8"], allowed=["10.1.2.3/32"])
    assert run(check_target("10.1.2.3", denylist)).allowed
    assert not run(check_target("10.1.2.4", denylist)).allowed


def test_unresolvable_and_invalid_targets_are_reported_not_raised() -> None:
    resolve = fixed_resolver({})
    check = run(check_target("nowhere.test", OPEN, resolve))
    assert (check.allowed, check.reason_code) == (False, "unresolvable")
    assert run(check_target("bad host", OPEN)).reason_code == "invalid_target"

    async def broken(host: str) -> Sequence[str]:
        raise OSError("resolver on fire")

    assert run(check_target("x.test", OPEN, broken)).reason_code == "resolve_error"
    spec = ProbeSpec(ProbeKind.TCP, "nowhere.test", 80)
    result = run(tcp_connect(spec, denylist=OPEN, resolve=resolve, now=clock))
    assert (result.outcome, result.detail_code) == (ProbeOutcome.DOWN, "unresolvable")


@given(st.ip_addresses(v=4, network="10.0.0.0/8") | st.ip_addresses(v=4, network="192.168.0.0/16"))
@settings(max_examples=60, deadline=None)
def test_every_private_address_is_denied_in_any_spelling(address: ipaddress.IPv4Address) -> None:
    mapped = ipaddress.IPv6Address(f"::ffff:{address}")
    for spelling in (str(address), str(mapped)):
        assert PRODUCTION_DENYLIST.match(spelling) is not None, spelling


def test_a_deny_list_with_a_bad_network_fails_clearly() -> None:
    with pytest.raises(ValueError, match="10.0.0.300/8"):
        DenyList.from_cidrs(["10.0.0.300/8"])
    with pytest.raises(ValueError, match="list of CIDR"):
        DenyList.from_cidrs("10.0.0.0/8")


# ----------------------------------------------------------------------------- specs


def test_probe_specs_validate_their_data() -> None:
    assert ProbeSpec(ProbeKind.HTTP, "Example.COM.").target == "example.com"
    assert ProbeSpec(ProbeKind.HTTP, "example.com", tls=True).port == 443
    assert ProbeSpec(ProbeKind.SMTP, "example.com", tls=True).port == 465
    assert ProbeSpec(ProbeKind.DNS, "192.0.2.53", query_name="example.com").port == 53
    assert ProbeSpec("tcp", "192.0.2.1", 22).kind is ProbeKind.TCP  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "target", "port", "extra", "message"),
    [
        ("tcp", "192.0.2.1", None, {}, "needs a port"),
        ("tcp", "192.0.2.1", 70000, {}, "invalid port"),
        ("ping", "192.0.2.1", 7, {}, "takes no port"),
        ("http", "example.com", None, {"path": "/\r\nX-Evil: 1"}, "invalid HTTP path"),
        ("http", "exa mple.com", None, {}, "invalid probe target"),
        ("dns", "192.0.2.53", None, {}, "invalid DNS query name"),
        ("dns", "192.0.2.53", None, {"query_name": "example.com", "record_type": "AXFR"}, "unsupported DNS record"),
        ("http", "example.com", None, {"timeout": 0}, "invalid timeout"),
        ("icmp", "192.0.2.1", None, {}, "icmp"),
    ],
)
def test_bad_probe_specs_are_rejected(
    kind: str, target: str, port: int | None, extra: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ProbeSpec(kind, target, port, **extra)  # type: ignore[arg-type]


def test_a_result_becomes_a_plain_record(tcp_listener: int) -> None:
    spec = ProbeSpec(ProbeKind.TCP, "127.0.0.1", tcp_listener)
    record = run(tcp_connect(spec, denylist=OPEN, now=clock)).as_record()
    assert record["kind"] == "tcp" and record["outcome"] == "up" and record["port"] == tcp_listener
    assert record["started_at"] == NOW and record["label"] == f"tcp 127.0.0.1:{tcp_listener}"


# ----------------------------------------------------------------------------- running many


def test_the_concurrency_limit_is_respected() -> None:
    active = 0
    peak = 0

    async def slow_greeter(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.15)
        active -= 1  # before greeting, so a probe cannot finish while still counted
        writer.write(b"220 slow.test ESMTP\r\n")
        await writer.drain()
        with contextlib.suppress(Exception):
            await reader.readline()
        writer.close()

    async def scenario() -> tuple[list[ProbeResult], float]:
        server = await asyncio.start_server(slow_greeter, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        specs = [ProbeSpec(ProbeKind.SMTP, "127.0.0.1", port, timeout=5) for _ in range(6)]
        started = time.perf_counter()
        async with server:
            results = await run_probes(specs, denylist=OPEN, concurrency=2, overall_timeout=10, now=clock)
        return results, time.perf_counter() - started

    results, elapsed = run(scenario())
    assert [r.outcome for r in results] == [ProbeOutcome.UP] * 6
    assert peak == 2
    assert elapsed >= 3 * 0.15


def test_probes_unfinished_at_the_overall_deadline_are_checker_timeouts(
    silent_server: RawServer, tcp_listener: int
) -> None:
    specs = [
        ProbeSpec(ProbeKind.TCP, "127.0.0.1", tcp_listener, timeout=2),
        *[ProbeSpec(ProbeKind.SMTP, "127.0.0.1", silent_server.port, timeout=10) for _ in range(3)],
    ]
    started = time.perf_counter()
    results = run(run_probes(specs, denylist=OPEN, concurrency=2, overall_timeout=0.5, now=clock))
    assert time.perf_counter() - started < 2.5
    assert [r.spec for r in results] == specs
    assert results[0].outcome is ProbeOutcome.UP
    for result in results[1:]:
        assert (result.outcome, result.detail_code) == (ProbeOutcome.ERROR, "checker_timeout")
        assert result.started_at == NOW and result.latency_ms is None


def test_run_probes_never_raises_on_a_failing_probe(monkeypatch: pytest.MonkeyPatch, tcp_listener: int) -> None:
    async def explode(*args: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(probes, "_dispatch", explode)
    specs = [ProbeSpec(ProbeKind.TCP, "127.0.0.1", tcp_listener)]
    [result] = run(run_probes(specs, denylist=OPEN, concurrency=1, overall_timeout=5, now=clock))
    assert (result.outcome, result.detail_code) == (ProbeOutcome.ERROR, "checker_error")
    assert "boom" in result.detail


def test_run_probes_rejects_bad_arguments_before_probing() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        run(run_probes([], denylist=OPEN, concurrency=0, overall_timeout=1))
    with pytest.raises(ValueError, match="overall_timeout"):
        run(run_probes([], denylist=OPEN, concurrency=1, overall_timeout=0))
    assert run(run_probes([], denylist=OPEN, concurrency=1, overall_timeout=1)) == []


def test_the_sync_wrapper_works_with_and_without_a_running_loop(tcp_listener: int) -> None:
    specs = [ProbeSpec(ProbeKind.TCP, "127.0.0.1", tcp_listener)]
    [result] = run_probes_sync(specs, denylist=OPEN, concurrency=1, overall_timeout=5, now=clock)
    assert result.outcome is ProbeOutcome.UP

    async def inside_a_loop() -> list[ProbeResult]:
        return run_probes_sync(specs, denylist=OPEN, concurrency=1, overall_timeout=5, now=clock)

    assert [r.outcome for r in run(inside_a_loop())] == [ProbeOutcome.UP]


# ----------------------------------------------------------------------------- end to end


def route(
    product: str,
    incident_type: str,
    endpoints: list[Endpoint],
    *,
    domain: str | None = None,
    resolvers: Sequence[tuple[str, int]] = (),
    denylist: DenyList = OPEN,
) -> tuple[Action, str]:
    specs = probes_for(product, incident_type, endpoints, domain=domain, resolvers=resolvers, timeout=1)
    results = run_probes_sync(specs, denylist=denylist, concurrency=4, overall_timeout=10, now=clock)
    decision = decide(incident_type, results)
    return decision.action, decision.message_key


@needs_root
def test_a_server_that_answers_ping_goes_to_l2() -> None:
    endpoints = [Endpoint("127.0.0.1", (closed_port(),), "server")]
    assert route("dedicated", "server_no_ping", endpoints) == (Action.TO_L2, "ping_answers_configuration")


@needs_root
def test_hosting_returning_500_stays_in_l1_and_200_goes_to_l2(http_500: _HTTPStub, http_ok: _HTTPStub) -> None:
    broken = [Endpoint("127.0.0.1", (http_500.port,), "web")]
    working = [Endpoint("127.0.0.1", (http_ok.port,), "web")]
    assert route("hosting", "hosting_unreachable", broken) == (Action.STAY_L1, "service_check_failed")
    assert route("hosting", "hosting_unreachable", working) == (Action.TO_L2, "all_checks_pass")


@needs_root
def test_mail_that_greets_goes_to_l2_and_silent_mail_stays_in_l1(smtp_stub: int, silent_server: RawServer) -> None:
    assert route("mail", "mail_cannot_send", [Endpoint("127.0.0.1", (smtp_stub,), "mail")]) == (
        Action.TO_L2,
        "all_checks_pass",
    )
    assert route("mail", "mail_cannot_send", [Endpoint("127.0.0.1", (silent_server.port,), "mail")]) == (
        Action.STAY_L1,
        "service_check_failed",
    )


def test_a_domain_that_resolves_goes_to_l2_and_nxdomain_stays_in_l1(dns_stub: DnsStub) -> None:
    resolvers = [("127.0.0.1", dns_stub.port)]
    assert route("domain", "domain_dns_failure", [], domain="www.example.test", resolvers=resolvers) == (
        Action.TO_L2,
        "all_checks_pass",
    )
    assert route("domain", "domain_dns_failure", [], domain="gone.example.test", resolvers=resolvers) == (
        Action.STAY_L1,
        "service_check_failed",
    )


def test_a_denied_endpoint_keeps_the_incident_and_flags_it(no_packets: list[str]) -> None:
    endpoints = [Endpoint("10.0.0.1", (22,), "server")]
    assert route("dedicated", "server_no_ping", endpoints, denylist=PRODUCTION_DENYLIST) == (
        Action.KEEP_FLAG_HUMAN,
        "checks_inconclusive",
    )
    assert no_packets == []


def test_a_service_without_endpoints_keeps_the_incident_and_flags_it() -> None:
    assert route("hosting", "hosting_unreachable", []) == (Action.KEEP_FLAG_HUMAN, "checks_inconclusive")
