"""Network probes of a customer's declared service endpoints (pure asyncio, no Django).

Each probe answers one question about one endpoint — does it answer ping, accept a TCP
connection, return an HTTP status below 500, resolve through DNS, greet over SMTP — and
returns a :class:`ProbeResult` with the time, target, outcome and latency.

Outcomes keep two kinds of failure apart:

* ``down``: the probe ran and the service failed (no echo reply, connection refused or
  timed out, HTTP 5xx, NXDOMAIN, a server that accepts but never greets...);
* ``error``: the probe could not run or the checker itself failed (target refused by the
  deny-list, no way to send ICMP, the checker's own deadline, an unexpected exception).

Every probe first passes its target through :func:`check_target`: host names are
resolved once, every resolved address is checked against the :class:`DenyList`, and the
probe then talks to the checked address only, so a name that changes between check and
use cannot lead the desk into a denied network.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import math
import os
import re
import shutil
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

import dns.asyncresolver
import dns.exception
import dns.name
import dns.rcode
import dns.rdatatype
import dns.resolver
import icmplib  # type: ignore[import-untyped,unused-ignore]  # icmplib has no type hints

__all__ = [
    "CHECKER_GRACE_SECONDS",
    "DETAIL_CODES",
    "DEVELOPMENT_DENYLIST",
    "PRODUCTION_DENYLIST",
    "Clock",
    "DenyList",
    "ProbeKind",
    "ProbeOutcome",
    "ProbeResult",
    "ProbeSpec",
    "Resolve",
    "TargetCheck",
    "UnresolvableHost",
    "check_target",
    "dns_resolve",
    "http_status",
    "normalise_host",
    "ping",
    "probe",
    "run_probes",
    "run_probes_sync",
    "smtp_greeting",
    "system_resolve",
    "tcp_connect",
    "utc_now",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Clock = Callable[[], datetime]
Resolve = Callable[[str], Awaitable[Sequence[str]]]

#: Extra time the checker allows a probe beyond its own timeout before declaring the
#: checker itself stuck (outcome ``error``, detail ``checker_timeout``).
CHECKER_GRACE_SECONDS: Final = 2.0

MAX_TIMEOUT_SECONDS: Final = 120.0
SUPPORTED_RECORD_TYPES: Final = frozenset({"A", "AAAA", "CNAME", "MX", "NS", "SOA", "TXT", "CAA", "SRV"})

#: Every ``detail_code`` a result can carry, with its meaning (English; callers
#: translate them).
DETAIL_CODES: Final[Mapping[str, str]] = {
    "ok": "the probe succeeded",
    "refused": "the connection was refused",
    "timeout": "no answer before the probe's timeout",
    "unreachable": "no route to the host or network",
    "reset": "the connection was reset",
    "connection_error": "the connection failed",
    "tls_error": "the TLS handshake or certificate check failed",
    "http_server_error": "the server answered with an HTTP 5xx status",
    "no_response": "the connection closed before an HTTP status line",
    "bad_response": "the server answered something that is not HTTP",
    "no_reply": "no ICMP echo reply",
    "nxdomain": "the domain name does not exist",
    "no_answer": "the name exists but has no record of the requested type",
    "servfail": "the name servers failed to answer (SERVFAIL, REFUSED or unreachable)",
    "no_greeting": "the server accepted the connection but sent no SMTP greeting",
    "bad_greeting": "the server's SMTP greeting was not 220",
    "unresolvable": "the target host name does not resolve",
    "denied_range": "the target is in a network the desk must not probe",
    "invalid_target": "the target is not a valid host name or IP address",
    "resolve_error": "the desk's own name resolution failed",
    "resolve_timeout": "the desk's own name resolution timed out",
    "no_ping_method": "neither raw ICMP sockets nor a ping command are available",
    "ping_permission": "the checker lacks the privileges to send ICMP",
    "ping_failed": "the ping command failed",
    "checker_timeout": "the checker did not finish the probe before its deadline",
    "checker_error": "the checker failed unexpectedly",
}

_HOST_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
_HTTP_PATH = re.compile(r"^/[\x21-\x7e]*$")
_STATUS_LINE = re.compile(rb"^HTTP/(\d)\.(\d) (\d{3})(?: ([^\r\n]*))?\r?\n$")
_SMTP_LINE = re.compile(rb"^(\d{3})([ -])([^\r\n]*)\r?\n$")
_PING_TIME = re.compile(r"time[=<]([0-9]+(?:\.[0-9]+)?) ?ms")
_MAX_SMTP_GREETING_LINES: Final = 32
_UNREACHABLE_ERRNOS: Final = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH})
_NONAME_GAI_ERRORS: Final = frozenset(
    code for code in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)) if code is not None
)


def utc_now() -> datetime:
    """The default clock: the current time, aware, in UTC."""
    return datetime.now(UTC)


class ProbeKind(StrEnum):
    PING = "ping"
    TCP = "tcp"
    HTTP = "http"
    DNS = "dns"
    SMTP = "smtp"


class ProbeOutcome(StrEnum):
    UP = "up"
    DOWN = "down"
    ERROR = "error"


def normalise_host(host: str) -> str | None:
    """The host as probes use it (an IP literal or a lower-case ASCII name).

    Returns ``None`` when ``host`` is neither a valid IP address nor a valid host name.
    """
    candidate = host.strip()
    if candidate.startswith("[") and candidate.endswith("]"):
        candidate = candidate[1:-1]
    if not candidate:
        return None
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        pass
    if not candidate.isascii():
        try:
            candidate = candidate.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    name = candidate[:-1] if candidate.endswith(".") else candidate
    if not name or len(name) > 253:
        return None
    if not all(_HOST_LABEL.match(label) for label in name.split(".")):
        return None
    return name.lower()


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class ProbeSpec:
    """What to probe. Invalid values raise ``ValueError`` at construction.

    ``target`` is the host name or IP address of a declared endpoint; for ``dns`` probes
    it is the name server to ask and ``query_name`` is the domain to resolve. ``port``
    defaults per kind (http 80/443, dns 53, smtp 25/465) and must be given for ``tcp``;
    ``ping`` has none. ``tls`` selects HTTPS for ``http`` and implicit TLS (SMTPS) for
    ``smtp``; ``verify_tls`` turns certificate checks off for self-signed endpoints.
    ``path`` is the HTTP request path. ``timeout`` (seconds) bounds the probe's own
    network exchange.
    """

    kind: ProbeKind
    target: str
    port: int | None = None
    timeout: float = 5.0
    tls: bool = False
    verify_tls: bool = True
    path: str = "/"
    query_name: str | None = None
    record_type: str = "A"

    def __post_init__(self) -> None:
        kind = ProbeKind(self.kind)
        object.__setattr__(self, "kind", kind)
        target = normalise_host(self.target) if isinstance(self.target, str) else None
        if target is None:
            raise ValueError(f"invalid probe target {self.target!r}: expected a host name or an IP address")
        object.__setattr__(self, "target", target)
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, int | float):
            raise ValueError(f"invalid timeout {self.timeout!r}: expected a number of seconds")
        if not 0 < self.timeout <= MAX_TIMEOUT_SECONDS:
            raise ValueError(f"invalid timeout {self.timeout!r}: expected 0 < timeout <= {MAX_TIMEOUT_SECONDS:g}")
        object.__setattr__(self, "timeout", float(self.timeout))
        object.__setattr__(self, "port", self._checked_port(kind))
        if kind is ProbeKind.HTTP and not _HTTP_PATH.match(self.path):
            raise ValueError(f"invalid HTTP path {self.path!r}: it must start with '/' and contain no spaces")
        if kind is ProbeKind.DNS:
            query = normalise_host(self.query_name) if isinstance(self.query_name, str) else None
            if query is None or _is_ip_literal(query):
                raise ValueError(f"invalid DNS query name {self.query_name!r}: expected a domain name")
            object.__setattr__(self, "query_name", query)
            record_type = str(self.record_type).upper()
            if record_type not in SUPPORTED_RECORD_TYPES:
                supported = ", ".join(sorted(SUPPORTED_RECORD_TYPES))
                raise ValueError(f"unsupported DNS record type {self.record_type!r}: expected one of {supported}")
            object.__setattr__(self, "record_type", record_type)

    def _checked_port(self, kind: ProbeKind) -> int | None:
        port = self.port
        if kind is ProbeKind.PING:
            if port is not None:
                raise ValueError("a ping probe takes no port")
            return None
        if port is None:
            defaults = {
                ProbeKind.HTTP: 443 if self.tls else 80,
                ProbeKind.DNS: 53,
                ProbeKind.SMTP: 465 if self.tls else 25,
            }
            if kind not in defaults:
                raise ValueError(f"a {kind} probe needs a port")
            return defaults[kind]
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValueError(f"invalid port {port!r}: expected an integer from 1 to 65535")
        return port

    @property
    def label(self) -> str:
        """A short human description, e.g. ``http https://www.example.com:443/``."""
        host = f"[{self.target}]" if ":" in self.target else self.target
        if self.kind is ProbeKind.PING:
            return f"ping {host}"
        if self.kind is ProbeKind.HTTP:
            scheme = "https" if self.tls else "http"
            return f"http {scheme}://{host}:{self.port}{self.path}"
        if self.kind is ProbeKind.DNS:
            return f"dns {self.query_name} {self.record_type} @{host}:{self.port}"
        return f"{self.kind} {host}:{self.port}"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """The stored outcome of one probe.

    ``latency_ms`` is the time to the decisive answer (echo reply, TCP handshake, HTTP
    status line, DNS answer, SMTP greeting, or the refusal), ``None`` when nothing
    answered. ``code`` is the protocol's own reply code when there was one (HTTP status,
    SMTP reply). ``started_at`` is aware and in UTC.
    """

    spec: ProbeSpec
    outcome: ProbeOutcome
    latency_ms: float | None
    detail_code: str
    detail: str
    started_at: datetime
    code: int | None = None

    @property
    def kind(self) -> ProbeKind:
        return self.spec.kind

    @property
    def target(self) -> str:
        return self.spec.target

    def as_record(self) -> dict[str, object]:
        """Plain values for storage (JSON-compatible except ``started_at``, an aware
        datetime)."""
        return {
            "kind": str(self.spec.kind),
            "target": self.spec.target,
            "port": self.spec.port,
            "label": self.spec.label,
            "outcome": str(self.outcome),
            "latency_ms": self.latency_ms,
            "detail_code": self.detail_code,
            "detail": self.detail,
            "code": self.code,
            "started_at": self.started_at,
        }


# --------------------------------------------------------------------------- deny-list


def _as_network(value: str | IPNetwork) -> IPNetwork:
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return value
    try:
        return ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        raise ValueError(f"invalid network {value!r} in deny-list: {exc}") from exc


def _address_forms(address: IPAddress) -> list[IPAddress]:
    """The address itself plus any IPv4 address embedded in it (mapped or 6to4)."""
    forms: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        for embedded in (address.ipv4_mapped, address.sixtofour):
            if embedded is not None:
                forms.append(embedded)
    return forms


@dataclass(frozen=True, slots=True)
class DenyList:
    """Networks probes must never reach, with optional carve-outs.

    An address is denied when it (or an IPv4 address embedded in it) lies in one of
    ``networks`` and not in one of ``allowed`` (for example the desk's own resolvers).
    """

    networks: tuple[IPNetwork, ...] = ()
    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_cidrs(cls, denied: Iterable[str], allowed: Iterable[str] = ()) -> DenyList:
        """Build from CIDR strings (``"10.0.0.0/8"``, ``"::1/128"``; a bare address
        means one host)."""
        if isinstance(denied, str) or isinstance(allowed, str):
            raise ValueError("deny-list networks must be given as a list of CIDR strings, not as one string")
        return cls(
            tuple(_as_network(n) for n in denied),
            tuple(_as_network(n) for n in allowed),
        )

    def __bool__(self) -> bool:
        return bool(self.networks)

    def match(self, address: str | IPAddress) -> IPNetwork | None:
        """The denied network containing ``address``; ``None`` if it may be probed."""
        addr = ipaddress.ip_address(address) if isinstance(address, str) else address
        for form in _address_forms(addr):
            if any(form.version == net.version and form in net for net in self.allowed):
                continue
            for net in self.networks:
                if form.version == net.version and form in net:
                    return net
        return None


#: For production: private, shared, loopback, link-local, multicast and reserved
#: space, and the cloud metadata address (listed first so a refusal names it).
PRODUCTION_DENYLIST: Final = DenyList.from_cidrs(
    [
        "169.254.169.254/32",  # cloud instance metadata
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    ]
)

#: For development and tests: nothing denied.
DEVELOPMENT_DENYLIST: Final = DenyList()


class UnresolvableHost(LookupError):
    """Raised by a resolve function when the name does not exist (as opposed to a lookup
    failure)."""


_pool_lock = threading.Lock()
_pool: tuple[int, ThreadPoolExecutor] | None = None


def _resolver_pool() -> ThreadPoolExecutor:
    # A pool of our own rather than the loop's default executor: asyncio.run() waits
    # for the default executor on shutdown, so a slow system lookup would outlive the
    # caller's deadline.
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (
                os.getpid(),
                ThreadPoolExecutor(max_workers=8, thread_name_prefix="triage-resolve"),
            )
        return _pool[1]


async def system_resolve(host: str) -> list[str]:
    """Resolve ``host`` with the system resolver (``getaddrinfo``); addresses in its
    order."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.run_in_executor(
            _resolver_pool(),
            lambda: socket.getaddrinfo(host, None, type=socket.SOCK_STREAM),
        )
    except socket.gaierror as exc:
        if exc.errno in _NONAME_GAI_ERRORS:
            raise UnresolvableHost(host) from exc
        raise
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


@dataclass(frozen=True, slots=True)
class TargetCheck:
    """Whether a target may be probed, and at which addresses.

    ``reason_code`` is ``ok`` when allowed, otherwise one of ``denied_range``
    (``network`` names the range, ``denied_address`` the offending address),
    ``unresolvable``, ``resolve_error`` or ``invalid_target``. ``message`` says why in
    plain English.
    """

    host: str
    allowed: bool
    addresses: tuple[str, ...]
    reason_code: str
    message: str
    network: str | None = None
    denied_address: str | None = None


async def check_target(host: str, denylist: DenyList, resolve: Resolve | None = None) -> TargetCheck:
    """Resolve ``host`` (unless it is an IP literal) and refuse it if ANY address is
    denied.

    Never sends a packet to the target. Resolution failures do not raise: they come back
    as a refused check with ``unresolvable`` (the name does not exist) or
    ``resolve_error``.
    """
    name = normalise_host(host)
    if name is None:
        return TargetCheck(
            host,
            False,
            (),
            "invalid_target",
            f"{host!r} is not a valid host name or IP address",
        )
    if _is_ip_literal(name):
        raw: Sequence[str] = [name]
    else:
        try:
            raw = await (resolve or system_resolve)(name)
        except UnresolvableHost:
            return TargetCheck(
                name,
                False,
                (),
                "unresolvable",
                f"{name} does not resolve to any address",
            )
        except Exception as exc:  # noqa: BLE001 - resolver failures are reported
            return TargetCheck(name, False, (), "resolve_error", f"resolving {name} failed: {exc!r}")
    addresses: list[IPAddress] = []
    for item in raw:
        try:
            addresses.append(ipaddress.ip_address(str(item)))
        except ValueError:
            return TargetCheck(
                name,
                False,
                (),
                "resolve_error",
                f"resolving {name} gave an invalid address {item!r}",
            )
    if not addresses:
        return TargetCheck(name, False, (), "unresolvable", f"{name} does not resolve to any address")
    texts = tuple(str(a) for a in addresses)
    for addr in addresses:
        net = denylist.match(addr)
        if net is not None:
            via = "" if str(addr) == name else f"{name} resolves to {addr}, which "
            subject = via or f"{addr} "
            return TargetCheck(
                name,
                False,
                texts,
                "denied_range",
                f"{subject}is in the denied range {net}: the desk only probes public service endpoints",
                network=str(net),
                denied_address=str(addr),
            )
    return TargetCheck(name, True, texts, "ok", "allowed")


# --------------------------------------------------------------------------- probes


@dataclass(frozen=True, slots=True)
class _Verdict:
    outcome: ProbeOutcome
    detail_code: str
    detail: str
    latency_ms: float | None = None
    code: int | None = None


def _up(detail: str, latency_ms: float | None, code: int | None = None) -> _Verdict:
    return _Verdict(ProbeOutcome.UP, "ok", detail, latency_ms, code)


def _down(
    detail_code: str,
    detail: str,
    latency_ms: float | None = None,
    code: int | None = None,
) -> _Verdict:
    return _Verdict(ProbeOutcome.DOWN, detail_code, detail, latency_ms, code)


def _error(detail_code: str, detail: str) -> _Verdict:
    return _Verdict(ProbeOutcome.ERROR, detail_code, detail)


def _elapsed_ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000.0, 3)


def _connection_failure(exc: BaseException, what: str, latency_ms: float | None) -> _Verdict:
    """Map an exception raised while talking to the target to a ``down`` verdict."""
    if isinstance(exc, TimeoutError):
        return _down("timeout", f"{what}: no answer before the timeout")
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return _down("tls_error", f"{what}: TLS failed: {exc}", latency_ms)
    if isinstance(exc, ConnectionRefusedError):
        return _down("refused", f"{what}: connection refused", latency_ms)
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return _down("reset", f"{what}: connection reset", latency_ms)
    if isinstance(exc, OSError) and exc.errno in _UNREACHABLE_ERRNOS:
        return _down("unreachable", f"{what}: {exc.strerror or exc}", latency_ms)
    return _down("connection_error", f"{what}: {exc!r}", latency_ms)


def _client_tls_context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(Exception):
        async with asyncio.timeout(1.0):
            await writer.wait_closed()


def _port_of(spec: ProbeSpec) -> int:
    if spec.port is None:
        raise ValueError(f"a {spec.kind} probe needs a port")
    return spec.port


async def _open(spec: ProbeSpec, address: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    port = _port_of(spec)
    if spec.tls:
        return await asyncio.open_connection(
            address,
            port,
            ssl=_client_tls_context(spec.verify_tls),
            server_hostname=spec.target,
        )
    return await asyncio.open_connection(address, port)


async def _ping_impl(spec: ProbeSpec, address: str, privileged: bool | None, command: str) -> _Verdict:
    use_raw = (os.geteuid() == 0) if privileged is None else privileged
    if use_raw:
        try:
            host = await icmplib.async_ping(address, count=1, timeout=spec.timeout, privileged=True)
        except icmplib.SocketPermissionError as exc:
            return _error("ping_permission", f"cannot open a raw ICMP socket: {exc}")
        if host.is_alive:
            return _up(f"echo reply from {address}", round(float(host.avg_rtt), 3))
        return _down("no_reply", f"no echo reply from {address} within {spec.timeout:g}s")
    executable = shutil.which(command)
    if executable is None:
        return _error("no_ping_method", "not privileged for raw ICMP and no ping command found")
    wait = max(1, math.ceil(spec.timeout))
    start = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        executable,
        "-n",
        "-c",
        "1",
        "-W",
        str(wait),
        address,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={"LC_ALL": "C", "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    try:
        async with asyncio.timeout(spec.timeout + 1.0):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        return _down("no_reply", f"no echo reply from {address} within {spec.timeout:g}s")
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(Exception):
                await asyncio.shield(process.wait())
    if process.returncode == 0:
        found = _PING_TIME.search(stdout.decode("utf-8", "replace"))
        latency = float(found.group(1)) if found else _elapsed_ms(start)
        return _up(f"echo reply from {address}", latency)
    if process.returncode == 1:
        return _down("no_reply", f"no echo reply from {address} within {spec.timeout:g}s")
    message = (stderr or stdout).decode("utf-8", "replace").strip()[:200]
    return _error("ping_failed", f"ping exited with status {process.returncode}: {message}")


async def _tcp_impl(spec: ProbeSpec, address: str) -> _Verdict:
    start = time.perf_counter()
    try:
        async with asyncio.timeout(spec.timeout):
            _reader, writer = await asyncio.open_connection(address, _port_of(spec))
    except (OSError, TimeoutError) as exc:
        return _connection_failure(exc, f"TCP {spec.port}", _elapsed_ms(start))
    latency = _elapsed_ms(start)
    await _close(writer)
    return _up(f"TCP port {spec.port} accepted the connection", latency)


def _host_header(spec: ProbeSpec) -> str:
    host = f"[{spec.target}]" if ":" in spec.target else spec.target
    default_port = 443 if spec.tls else 80
    return host if spec.port == default_port else f"{host}:{spec.port}"


async def _read_status_line(reader: asyncio.StreamReader) -> tuple[int, str] | _Verdict:
    for _ in range(5):  # skip interim 1xx responses
        line = await reader.readline()
        if not line:
            return _down("no_response", "the connection closed before an HTTP status line")
        match = _STATUS_LINE.match(line)
        if match is None:
            return _down("bad_response", f"not an HTTP status line: {line[:80]!r}")
        status = int(match.group(3))
        reason = (match.group(4) or b"").decode("latin-1").strip()
        if status >= 200 or status < 100:
            return status, reason
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
    return _down("bad_response", "too many interim HTTP responses")


async def _http_impl(spec: ProbeSpec, address: str) -> _Verdict:
    start = time.perf_counter()
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(spec.timeout):
            reader, writer = await _open(spec, address)
            request = (
                f"GET {spec.path} HTTP/1.1\r\n"
                f"Host: {_host_header(spec)}\r\n"
                "User-Agent: tierdesk-probe/1\r\n"
                "Accept: */*\r\n"
                "Connection: close\r\n\r\n"
            )
            writer.write(request.encode("ascii"))
            await writer.drain()
            status_line = await _read_status_line(reader)
    except (OSError, TimeoutError, ValueError) as exc:
        if isinstance(exc, ValueError) and not isinstance(exc, ssl.CertificateError):
            return _down("bad_response", f"unreadable HTTP response: {exc}", _elapsed_ms(start))
        return _connection_failure(exc, spec.label, _elapsed_ms(start))
    finally:
        if writer is not None:
            await _close(writer)
    if isinstance(status_line, _Verdict):
        return status_line
    latency = _elapsed_ms(start)
    status, reason = status_line
    text = f"HTTP {status} {reason}".strip()
    if status >= 500:
        return _down("http_server_error", text, latency, status)
    return _up(text, latency, status)


async def _dns_impl(spec: ProbeSpec, address: str) -> _Verdict:
    if spec.query_name is None:
        raise ValueError("a dns probe needs a query name")
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [address]
    resolver.port = spec.port or 53
    resolver.timeout = spec.timeout
    resolver.lifetime = spec.timeout
    resolver.search = []
    what = f"{spec.query_name} {spec.record_type} @{address}"
    start = time.perf_counter()
    try:
        async with asyncio.timeout(spec.timeout):
            answer = await resolver.resolve(
                dns.name.from_text(spec.query_name),
                spec.record_type,
                search=False,
                lifetime=spec.timeout,
            )
    except dns.resolver.NXDOMAIN:
        return _down("nxdomain", f"{what}: NXDOMAIN", _elapsed_ms(start), int(dns.rcode.NXDOMAIN))
    except dns.resolver.NoAnswer:
        return _down("no_answer", f"{what}: no {spec.record_type} record", _elapsed_ms(start))
    except dns.resolver.NoNameservers as exc:
        problems = _nameserver_problems(exc)
        described = "; ".join(str(p) for p in problems[:3]) or "no name server answered"
        if problems and all(isinstance(p, ConnectionRefusedError) for p in problems):
            return _down("refused", f"{what}: connection refused", _elapsed_ms(start))
        return _down("servfail", f"{what}: {described}", _elapsed_ms(start))
    except (dns.exception.Timeout, TimeoutError):
        return _down("timeout", f"{what}: no answer before the timeout")
    except dns.resolver.YXDOMAIN:
        return _down(
            "nxdomain",
            f"{what}: name too long after DNAME substitution",
            _elapsed_ms(start),
        )
    latency = _elapsed_ms(start)
    rrset = answer.rrset
    values = ", ".join(sorted(rdata.to_text() for rdata in rrset)[:5]) if rrset is not None else ""
    return _up(f"{what}: {values}", latency)


def _nameserver_problems(exc: dns.resolver.NoNameservers) -> list[object]:
    """What each name server did wrong: an exception, or the rcode text it answered."""
    errors = exc.kwargs.get("errors") or []
    return [entry[3] if isinstance(entry, tuple) and len(entry) > 3 else entry for entry in errors]


async def _read_smtp_reply(reader: asyncio.StreamReader) -> tuple[int, str] | None:
    """Read one (possibly multi-line) SMTP reply; None if the server closed first or
    sent junk."""
    text: list[str] = []
    for _ in range(_MAX_SMTP_GREETING_LINES):
        line = await reader.readline()
        if not line:
            return None
        match = _SMTP_LINE.match(line)
        if match is None:
            return None
        text.append(match.group(3).decode("utf-8", "replace"))
        if match.group(2) == b" ":
            return int(match.group(1)), " ".join(text).strip()
    return None


async def _smtp_impl(spec: ProbeSpec, address: str) -> _Verdict:
    start = time.perf_counter()
    writer: asyncio.StreamWriter | None = None
    phase = "connect"
    try:
        async with asyncio.timeout(spec.timeout):
            reader, writer = await _open(spec, address)
            phase = "greeting"
            reply = await _read_smtp_reply(reader)
        latency = _elapsed_ms(start)
        if reply is None:
            return _down("no_greeting", f"{spec.label}: no SMTP greeting", latency)
        code, text = reply
        if code != 220:
            return _down("bad_greeting", f"{spec.label}: {code} {text}".strip(), latency, code)
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1.0):
                writer.write(b"QUIT\r\n")
                await writer.drain()
                await _read_smtp_reply(reader)
        return _up(f"{code} {text}".strip(), latency, code)
    except (OSError, TimeoutError, ValueError) as exc:
        if phase == "greeting" and isinstance(exc, TimeoutError):
            return _down(
                "no_greeting",
                f"{spec.label}: connected but no SMTP greeting within {spec.timeout:g}s",
            )
        if isinstance(exc, ValueError) and not isinstance(exc, ssl.CertificateError):
            return _down(
                "no_greeting",
                f"{spec.label}: unreadable SMTP greeting: {exc}",
                _elapsed_ms(start),
            )
        return _connection_failure(exc, spec.label, _elapsed_ms(start))
    finally:
        if writer is not None:
            await _close(writer)


async def _dispatch(spec: ProbeSpec, address: str, ping_privileged: bool | None, ping_command: str) -> _Verdict:
    if spec.kind is ProbeKind.PING:
        return await _ping_impl(spec, address, ping_privileged, ping_command)
    if spec.kind is ProbeKind.TCP:
        return await _tcp_impl(spec, address)
    if spec.kind is ProbeKind.HTTP:
        return await _http_impl(spec, address)
    if spec.kind is ProbeKind.DNS:
        return await _dns_impl(spec, address)
    return await _smtp_impl(spec, address)


def _stamp(now: Clock) -> datetime:
    value = now()
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"the clock must return an aware datetime, got {value!r}")
    return value.astimezone(UTC)


async def _probe_at(
    spec: ProbeSpec,
    started_at: datetime,
    *,
    denylist: DenyList,
    resolve: Resolve | None,
    ping_privileged: bool | None,
    ping_command: str,
) -> ProbeResult:
    def result(verdict: _Verdict) -> ProbeResult:
        return ProbeResult(
            spec,
            verdict.outcome,
            verdict.latency_ms,
            verdict.detail_code,
            verdict.detail,
            started_at,
            verdict.code,
        )

    try:
        async with asyncio.timeout(spec.timeout):
            check = await check_target(spec.target, denylist, resolve)
    except TimeoutError:
        return result(
            _error(
                "resolve_timeout",
                f"resolving {spec.target} took longer than {spec.timeout:g}s",
            )
        )
    if not check.allowed:
        if check.reason_code == "unresolvable":
            return result(_down("unresolvable", check.message))
        return result(_error(check.reason_code, check.message))
    try:
        async with asyncio.timeout(spec.timeout + CHECKER_GRACE_SECONDS):
            verdict = await _dispatch(spec, check.addresses[0], ping_privileged, ping_command)
    except TimeoutError:
        verdict = _error("checker_timeout", f"{spec.label}: the checker did not finish in time")
    except Exception as exc:  # noqa: BLE001 - a probe reports failures, never raises
        verdict = _error("checker_error", f"{spec.label}: {exc!r}")
    return result(verdict)


async def probe(
    spec: ProbeSpec,
    *,
    denylist: DenyList,
    resolve: Resolve | None = None,
    now: Clock = utc_now,
    ping_privileged: bool | None = None,
    ping_command: str = "ping",
) -> ProbeResult:
    """Run one probe of any kind: deny-list check, then the exchange under
    ``spec.timeout``.

    ``resolve`` replaces the system resolver (``async (host) -> [address, ...]``,
    raising :class:`UnresolvableHost` for a name that does not exist).
    ``ping_privileged`` forces raw ICMP (``True``) or the ``ping_command`` subprocess
    (``False``); ``None`` picks raw ICMP when running as root. Failures come back as
    results; only a clock returning a naive datetime raises (``ValueError``).
    """
    return await _probe_at(
        spec,
        _stamp(now),
        denylist=denylist,
        resolve=resolve,
        ping_privileged=ping_privileged,
        ping_command=ping_command,
    )


def _require_kind(spec: ProbeSpec, kind: ProbeKind) -> None:
    if spec.kind is not kind:
        raise ValueError(f"expected a {kind} probe spec, got {spec.kind}")


async def ping(
    spec: ProbeSpec,
    *,
    denylist: DenyList,
    resolve: Resolve | None = None,
    now: Clock = utc_now,
    privileged: bool | None = None,
    command: str = "ping",
) -> ProbeResult:
    """ICMP echo: raw socket (icmplib) when privileged, else the system ``ping``, else
    ``error``."""
    _require_kind(spec, ProbeKind.PING)
    return await probe(
        spec,
        denylist=denylist,
        resolve=resolve,
        now=now,
        ping_privileged=privileged,
        ping_command=command,
    )


async def tcp_connect(
    spec: ProbeSpec,
    *,
    denylist: DenyList,
    resolve: Resolve | None = None,
    now: Clock = utc_now,
) -> ProbeResult:
    """TCP handshake to ``spec.port``: ``up`` when accepted, ``down`` when refused or
    timed out."""
    _require_kind(spec, ProbeKind.TCP)
    return await probe(spec, denylist=denylist, resolve=resolve, now=now)


async def http_status(
    spec: ProbeSpec,
    *,
    denylist: DenyList,
    resolve: Resolve | None = None,
    now: Clock = utc_now,
) -> ProbeResult:
    """One HTTP/1.1 GET (redirects not followed): ``up`` below 500, ``down`` on 5xx or
    no answer."""
    _require_kind(spec, ProbeKind.HTTP)
    return await probe(spec, denylist=denylist, resolve=resolve, now=now)


async def dns_resolve(
    spec: ProbeSpec,
    *,
    denylist: DenyList,
    resolve: Resolve | None = None,
    now: Clock = utc_now,
) -> ProbeResult:
    """Ask the name server ``spec.target`` for ``spec.query_name``: ``up`` when it
    resolves."""
    _require_kind(spec, ProbeKind.DNS)
    return await probe(spec, denylist=denylist, resolve=resolve, now=now)


async def smtp_greeting(
    spec: ProbeSpec,
    *,
    denylist: DenyList,
    resolve: Resolve | None = None,
    now: Clock = utc_now,
) -> ProbeResult:
    """Read the SMTP banner and send QUIT: ``up`` on 220, ``down`` otherwise or without
    one."""
    _require_kind(spec, ProbeKind.SMTP)
    return await probe(spec, denylist=denylist, resolve=resolve, now=now)


# ------------------------------------------------------------------------ running many


@dataclass(slots=True)
class _Slot:
    spec: ProbeSpec
    started_at: datetime | None = None
    result: ProbeResult | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)


async def run_probes(
    specs: Iterable[ProbeSpec],
    *,
    denylist: DenyList,
    concurrency: int,
    overall_timeout: float,
    now: Clock = utc_now,
    resolve: Resolve | None = None,
    ping_privileged: bool | None = None,
    ping_command: str = "ping",
) -> list[ProbeResult]:
    """Run probes, at most ``concurrency`` at once, all within ``overall_timeout``
    seconds.

    Results come back in the order of ``specs``. A probe still queued or running at the
    deadline is cancelled and reported as ``error`` / ``checker_timeout``. Never raises
    for anything that happens while probing; bad arguments (concurrency < 1, a non-
    positive timeout, a clock returning a naive datetime) raise ``ValueError`` before
    any probe starts.
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a positive integer, got {concurrency!r}")
    if not overall_timeout > 0:
        raise ValueError(f"overall_timeout must be positive, got {overall_timeout!r}")
    run_started = _stamp(now)
    slots = [_Slot(spec) for spec in specs]
    if not slots:
        return []
    semaphore = asyncio.Semaphore(concurrency)

    async def run_one(slot: _Slot) -> None:
        async with semaphore:
            try:
                slot.started_at = _stamp(now)
            except Exception:  # noqa: BLE001 - a failing clock must not lose the probe
                slot.started_at = run_started
            try:
                slot.result = await _probe_at(
                    slot.spec,
                    slot.started_at,
                    denylist=denylist,
                    resolve=resolve,
                    ping_privileged=ping_privileged,
                    ping_command=ping_command,
                )
            except Exception as exc:  # noqa: BLE001 - turned into an error result below
                slot.result = ProbeResult(
                    slot.spec,
                    ProbeOutcome.ERROR,
                    None,
                    "checker_error",
                    repr(exc),
                    slot.started_at,
                )

    for slot in slots:
        slot.task = asyncio.create_task(run_one(slot))
    tasks = [slot.task for slot in slots if slot.task is not None]
    _done, pending = await asyncio.wait(tasks, timeout=overall_timeout)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=CHECKER_GRACE_SECONDS)

    results: list[ProbeResult] = []
    for slot in slots:
        if slot.result is not None:
            results.append(slot.result)
            continue
        started = slot.started_at or run_started
        results.append(
            ProbeResult(
                slot.spec,
                ProbeOutcome.ERROR,
                None,
                "checker_timeout",
                f"{slot.spec.label}: not finished within the overall deadline of {overall_timeout:g}s",
                started,
            )
        )
    return results


def run_probes_sync(
    specs: Iterable[ProbeSpec],
    *,
    denylist: DenyList,
    concurrency: int,
    overall_timeout: float,
    now: Clock = utc_now,
    resolve: Resolve | None = None,
    ping_privileged: bool | None = None,
    ping_command: str = "ping",
) -> list[ProbeResult]:
    """:func:`run_probes` for synchronous callers such as background tasks.

    Runs its own event loop; when called from a thread that already runs one, the probes
    run in a helper thread so the caller's loop is left alone.
    """
    spec_list = list(specs)

    def go() -> list[ProbeResult]:
        return asyncio.run(
            run_probes(
                spec_list,
                denylist=denylist,
                concurrency=concurrency,
                overall_timeout=overall_timeout,
                now=now,
                resolve=resolve,
                ping_privileged=ping_privileged,
                ping_command=ping_command,
            )
        )

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return go()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="triage-probes") as executor:
        return executor.submit(go).result()
