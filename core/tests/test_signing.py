"""Tests for core.signing: webhook HMAC headers and the OVH ``$1$`` signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.signing import (
    SignatureError,
    VerifiedSignature,
    build_header,
    ovh_signature,
    sign,
    verify,
    verify_ovh_signature,
)

SECRET = b"whsec_test_0123456789"
OLD_SECRET = b"whsec_old_secret"
BODY = b'{"id":"evt_1","type":"payment.succeeded","amount":"145.20","currency":"EUR"}'
NOW = 1_772_000_000


def _code(excinfo: pytest.ExceptionInfo[SignatureError]) -> str:
    return excinfo.value.code


# --- generic webhook signature ------------------------------------------------


def test_sign_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET, f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, NOW, BODY) == expected
    assert len(expected) == 64


def test_build_header_format() -> None:
    header = build_header(SECRET, NOW, BODY)
    assert header == f"t={NOW},v1={sign(SECRET, NOW, BODY)}"


def test_round_trip() -> None:
    header = build_header(SECRET, NOW, BODY)
    result = verify(SECRET, header, BODY, now=NOW + 10)
    assert result == VerifiedSignature(
        timestamp=NOW,
        signature=sign(SECRET, NOW, BODY),
        secret_index=0,
        expires_at=NOW + 300,
        replay_key=hashlib.sha256(f"{NOW}.".encode() + BODY).hexdigest(),
    )


def test_round_trip_empty_body() -> None:
    header = build_header(SECRET, NOW, b"")
    assert verify(SECRET, header, b"", now=NOW).timestamp == NOW


def test_tampered_body_is_rejected() -> None:
    header = build_header(SECRET, NOW, BODY)
    tampered = BODY.replace(b"145.20", b"1.00")
    with pytest.raises(SignatureError) as excinfo:
        verify(SECRET, header, tampered, now=NOW)
    assert _code(excinfo) == "bad_signature"


def test_reserialised_json_is_rejected() -> None:
    # The raw bytes are signed; parsing and dumping the JSON again changes them.
    header = build_header(SECRET, NOW, BODY)
    reserialised = json.dumps(json.loads(BODY)).encode()
    assert reserialised != BODY
    with pytest.raises(SignatureError) as excinfo:
        verify(SECRET, header, reserialised, now=NOW)
    assert _code(excinfo) == "bad_signature"


def test_tampered_timestamp_is_rejected() -> None:
    signature = sign(SECRET, NOW, BODY)
    header = f"t={NOW + 1},v1={signature}"
    with pytest.raises(SignatureError) as excinfo:
        verify(SECRET, header, BODY, now=NOW)
    assert _code(excinfo) == "bad_signature"


def test_wrong_secret_is_rejected() -> None:
    header = build_header(b"another secret", NOW, BODY)
    with pytest.raises(SignatureError) as excinfo:
        verify(SECRET, header, BODY, now=NOW)
    assert _code(excinfo) == "bad_signature"


@pytest.mark.parametrize("offset", [-301, -3600, 301, 86_400])
def test_stale_and_future_timestamps(offset: int) -> None:
    ts = NOW + offset
    header = build_header(SECRET, ts, BODY)
    with pytest.raises(SignatureError) as excinfo:
        verify(SECRET, header, BODY, now=NOW)
    assert _code(excinfo) == "stale_timestamp"
    assert ("future" in excinfo.value.message) == (offset > 0)


@pytest.mark.parametrize("offset", [-300, 0, 300])
def test_timestamps_at_the_tolerance_edge_are_accepted(offset: int) -> None:
    ts = NOW + offset
    assert verify(SECRET, build_header(SECRET, ts, BODY), BODY, now=NOW).timestamp == ts


def test_custom_tolerance() -> None:
    header = build_header(SECRET, NOW - 30, BODY)
    assert verify(SECRET, header, BODY, now=NOW, tolerance=30).expires_at == NOW
    with pytest.raises(SignatureError) as excinfo:
        verify(SECRET, header, BODY, now=NOW, tolerance=29)
    assert _code(excinfo) == "stale_timestamp"


def test_bad_signature_is_reported_before_stale_timestamp() -> None:
    header = build_header(b"forged", NOW - 10_000, BODY)
    with pytest.raises(SignatureError) as excinfo:
        verify(SECRET, header, BODY, now=NOW)
    assert _code(excinfo) == "bad_signature"


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header(header: str | None) -> None:
    with pytest.raises(SignatureError) as excinfo:
        verify(SECRET, header, BODY, now=NOW)
    assert _code(excinfo) == "missing_header"


GOOD_HEX = "a" * 64


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        f"v1={GOOD_HEX}",  # no timestamp
        f"t={NOW}",  # no signature
        f"t={NOW},v0={GOOD_HEX}",  # only an unknown scheme
        f"t=abc,v1={GOOD_HEX}",
        f"t=-5,v1={GOOD_HEX}",
        f"t=1.5,v1={GOOD_HEX}",
        f"t=١٢٣,v1={GOOD_HEX}",  # non-ASCII digits
        f"t={'9' * 40},v1={GOOD_HEX}",
        f"t={NOW},t={NOW},v1={GOOD_HEX}",
        f"t={NOW},v1=nothex",
        f"t={NOW},v1={'a' * 63}",
        f"t={NOW},v1={'g' * 64}",
        f"t={NOW},v1",
        f"t={NOW},=abc,v1={GOOD_HEX}",
        f"t={NOW}," + ",".join(f"v1={GOOD_HEX}" for _ in range(9)),
        f"t={NOW},v1={GOOD_HEX}" + "," * 5000,
    ],
)
def test_malformed_headers(header: str) -> None:
    with pytest.raises(SignatureError) as excinfo:
        verify(SECRET, header, BODY, now=NOW)
    assert _code(excinfo) == "malformed_header"


def test_header_parsing_is_lenient_on_spaces_order_case_and_unknown_schemes() -> None:
    signature = sign(SECRET, NOW, BODY)
    header = f" v0=deadbeef , v1={signature.upper()} ,t={NOW}, "
    result = verify(SECRET, header, BODY, now=NOW)
    assert result.signature == signature


def test_rotation_several_v1_values_in_header() -> None:
    header = build_header([SECRET, OLD_SECRET], NOW, BODY)
    assert header.count("v1=") == 2
    # A receiver that only knows the old secret still accepts it...
    assert verify(OLD_SECRET, header, BODY, now=NOW).signature == sign(OLD_SECRET, NOW, BODY)
    # ...and so does one that already switched to the new one.
    assert verify(SECRET, header, BODY, now=NOW).signature == sign(SECRET, NOW, BODY)


def test_rotation_several_secrets_on_receiver() -> None:
    header_old = build_header(OLD_SECRET, NOW, BODY)
    header_new = build_header(SECRET, NOW, BODY)
    accepted = [SECRET, OLD_SECRET]
    assert verify(accepted, header_new, BODY, now=NOW).secret_index == 0
    assert verify(accepted, header_old, BODY, now=NOW).secret_index == 1
    with pytest.raises(SignatureError) as excinfo:
        verify(accepted, build_header(b"x", NOW, BODY), BODY, now=NOW)
    assert _code(excinfo) == "bad_signature"


def test_replay_key_is_independent_of_the_secret() -> None:
    header_old = build_header(OLD_SECRET, NOW, BODY)
    header_new = build_header(SECRET, NOW, BODY)
    accepted = [SECRET, OLD_SECRET]
    first = verify(accepted, header_old, BODY, now=NOW)
    second = verify(accepted, header_new, BODY, now=NOW)
    assert first.signature != second.signature
    assert first.replay_key == second.replay_key


def test_configuration_errors_are_not_signature_errors() -> None:
    header = build_header(SECRET, NOW, BODY)
    with pytest.raises(ValueError):
        verify(b"", header, BODY, now=NOW)
    with pytest.raises(ValueError):
        verify([], header, BODY, now=NOW)
    with pytest.raises(TypeError):
        verify("text secret", header, BODY, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        verify(SECRET, header, BODY, now=NOW, tolerance=-1)
    with pytest.raises(ValueError):
        sign(SECRET, -1, BODY)


def test_signature_error_carries_code_and_message() -> None:
    error = SignatureError("bad_signature", "nope")
    assert error.code == "bad_signature"
    assert error.message == "nope"
    assert "bad_signature" in str(error)


@given(
    secret=st.binary(min_size=1, max_size=64),
    body=st.binary(max_size=512),
    ts=st.integers(min_value=300, max_value=10**12),
    skew=st.integers(min_value=-300, max_value=300),
)
def test_round_trip_property(secret: bytes, body: bytes, ts: int, skew: int) -> None:
    result = verify(secret, build_header(secret, ts, body), body, now=ts + skew)
    assert result.timestamp == ts
    assert result.signature == sign(secret, ts, body)


@given(body=st.binary(max_size=256), flip=st.integers(min_value=0, max_value=255))
def test_any_single_byte_change_is_rejected(body: bytes, flip: int) -> None:
    tampered = body + b"x" if not body else bytes([body[0] ^ (flip or 1)]) + body[1:]
    with pytest.raises(SignatureError) as excinfo:
        verify(SECRET, build_header(SECRET, NOW, body), tampered, now=NOW)
    assert _code(excinfo) == "bad_signature"


# --- OVH $1$ signature ----------------------------------------------------------

AS = "EXEgWIz07P0HYwtQDs7cNIqCiQaWSuHF"
CK = "MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1"
URL = "https://eu.api.ovh.com/1.0/support/tickets/create"
OVH_BODY = '{"subject":"Server down","body":"ping ok","type":"genericRequest"}'
TS = "1457018875"


def _by_hand(method: str, url: str, body: str, ts: str) -> str:
    # The formula of python-ovh's Client.raw_call, written out independently.
    payload = AS + "+" + CK + "+" + method.upper() + "+" + url + "+" + body + "+" + ts
    return "$1$" + hashlib.sha1(payload.encode("utf-8")).hexdigest()  # noqa: S324


def test_ovh_signature_known_vector() -> None:
    expected = _by_hand("POST", URL, OVH_BODY, TS)
    assert ovh_signature(AS, CK, "POST", URL, OVH_BODY, TS) == expected
    assert ovh_signature(AS, CK, "post", URL, OVH_BODY.encode(), int(TS)) == expected
    # Pinned literal, so a change of formula in both places is still caught.
    assert (
        expected
        == "$1$"
        + hashlib.sha1(  # noqa: S324
            b"EXEgWIz07P0HYwtQDs7cNIqCiQaWSuHF+MtSwSrPpNjqfVSmJhLbPyr2i45lSwPU1+POST+"
            b"https://eu.api.ovh.com/1.0/support/tickets/create+"
            b'{"subject":"Server down","body":"ping ok","type":"genericRequest"}+1457018875'
        ).hexdigest()
    )


def test_ovh_signature_without_body_uses_empty_string() -> None:
    url = "https://eu.api.ovh.com/1.0/support/tickets?status=open&archived=false"
    expected = _by_hand("GET", url, "", TS)
    assert ovh_signature(AS, CK, "GET", url, "", TS) == expected
    assert ovh_signature(AS, CK, "GET", url, b"", TS) == expected


def test_verify_ovh_signature() -> None:
    good = _by_hand("POST", URL, OVH_BODY, TS)
    assert verify_ovh_signature(AS, CK, "POST", URL, OVH_BODY.encode(), TS, good)
    assert not verify_ovh_signature(AS, CK, "POST", URL, OVH_BODY + " ", TS, good)
    assert not verify_ovh_signature(AS, CK, "POST", URL + "?x=1", OVH_BODY, TS, good)
    assert not verify_ovh_signature(AS, CK, "PUT", URL, OVH_BODY, TS, good)
    assert not verify_ovh_signature(AS, CK, "POST", URL, OVH_BODY, "1457018876", good)
    assert not verify_ovh_signature("x" + AS, CK, "POST", URL, OVH_BODY, TS, good)
    assert not verify_ovh_signature(AS, CK + "x", "POST", URL, OVH_BODY, TS, good)
    assert not verify_ovh_signature(AS, CK, "POST", URL, OVH_BODY, TS, good[3:])
    assert not verify_ovh_signature(AS, CK, "POST", URL, OVH_BODY, TS, None)
    assert not verify_ovh_signature(AS, CK, "POST", URL, OVH_BODY, TS, "")
    assert not verify_ovh_signature(AS, CK, "POST", URL, OVH_BODY, TS, "$1$é")
    assert not verify_ovh_signature(AS, CK, "POST", URL, OVH_BODY, "abc", good)
    assert not verify_ovh_signature("", CK, "POST", URL, OVH_BODY, TS, good)


def test_verify_ovh_signature_time_window() -> None:
    good = _by_hand("POST", URL, OVH_BODY, TS)
    now = int(TS)
    assert verify_ovh_signature(AS, CK, "POST", URL, OVH_BODY, TS, good, now=now + 180)
    assert verify_ovh_signature(AS, CK, "POST", URL, OVH_BODY, TS, good, now=now - 180)
    assert not verify_ovh_signature(AS, CK, "POST", URL, OVH_BODY, TS, good, now=now + 181)
    assert not verify_ovh_signature(AS, CK, "POST", URL, OVH_BODY, TS, good, now=now - 181)
    assert verify_ovh_signature(AS, CK, "POST", URL, OVH_BODY, TS, good, now=now + 500, tolerance=600)


def test_ovh_signature_hashes_non_utf8_body_bytes() -> None:
    body = b"\xff\xfe raw"
    expected = (
        "$1$"
        + hashlib.sha1(  # noqa: S324
            f"{AS}+{CK}+POST+{URL}+".encode() + body + f"+{TS}".encode()
        ).hexdigest()
    )
    assert ovh_signature(AS, CK, "POST", URL, body, TS) == expected


# --- the real python-ovh client code path ----------------------------------------


class _Response:
    status_code = 200

    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def json(self) -> Any:
        return self.answer


class _RecordingSession:
    """The HTTP session the client makes (``ovh.client.Session``): records the signed calls and
    answers the clock's ``GET /auth/time`` with the time now."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str, target: str, headers: dict[str, str], data: str, timeout: Any) -> _Response:
        if target.endswith("/auth/time"):
            return _Response(int(time.time()))
        self.calls.append({"method": method, "target": target, "headers": dict(headers), "data": data})
        return _Response({})


@pytest.fixture
def ovh_client(monkeypatch: pytest.MonkeyPatch) -> Any:
    ovh_client_module = pytest.importorskip("ovh.client")

    base = "https://desk.example.com/1.0"
    monkeypatch.setitem(ovh_client_module.ENDPOINTS, "tierdesk-test", base)
    session = _RecordingSession()
    monkeypatch.setattr(ovh_client_module, "Session", lambda: session)
    client = ovh_client_module.Client(
        endpoint="tierdesk-test",
        application_key="AK-test",
        application_secret=AS,
        consumer_key=CK,
    )
    return client, session


def _check_recorded(call: dict[str, Any]) -> None:
    headers = call["headers"]
    assert headers["X-Ovh-Consumer"] == CK
    assert headers["X-Ovh-Application"] == "AK-test"
    ts = headers["X-Ovh-Timestamp"]
    body_bytes = call["data"].encode("utf-8")
    sig = headers["X-Ovh-Signature"]
    assert sig == ovh_signature(AS, CK, call["method"], call["target"], body_bytes, ts)
    assert sig == _by_hand(call["method"], call["target"], call["data"], ts)
    assert verify_ovh_signature(AS, CK, call["method"], call["target"], body_bytes, ts, sig, now=int(ts))


def test_matches_python_ovh_client_post(ovh_client: Any) -> None:
    client, session = ovh_client
    client.post(
        "/support/tickets/create",
        subject="Servidor caído",
        body="El servidor no responde al ping — ñ",
        type="genericRequest",
        watchers=["a@example.org"],
    )
    (call,) = session.calls
    assert call["method"] == "POST"
    assert call["target"] == "https://desk.example.com/1.0/support/tickets/create"
    assert "\\u00f1" in call["data"]  # json.dumps escapes non-ASCII by default
    _check_recorded(call)


def test_matches_python_ovh_client_get_with_query(ovh_client: Any) -> None:
    client, session = ovh_client
    client.get("/support/tickets", status="open", archived=False, subject="été")
    (call,) = session.calls
    assert call["data"] == ""
    assert call["target"].startswith("https://desk.example.com/1.0/support/tickets?")
    assert "subject=%C3%A9t%C3%A9" in call["target"]
    _check_recorded(call)


def test_matches_python_ovh_client_post_without_body(ovh_client: Any) -> None:
    client, session = ovh_client
    client.post("/support/tickets/1000/close")
    (call,) = session.calls
    assert call["data"] == ""
    _check_recorded(call)


def test_matches_python_ovh_client_v1_path(ovh_client: Any) -> None:
    client, session = ovh_client
    client.get("/v1/support/tickets")
    (call,) = session.calls
    assert call["target"] == "https://desk.example.com/v1/support/tickets"
    _check_recorded(call)
