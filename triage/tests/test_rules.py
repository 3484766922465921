"""The routing table of the guide, its loading from plain data, and probe selection."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.probes import ProbeKind, ProbeOutcome, ProbeResult, ProbeSpec
from triage.rules import (
    ACTIONS,
    DEFAULT_MESSAGES,
    DEFAULT_RULES,
    INCIDENT_TYPES,
    Action,
    Endpoint,
    RoutingRule,
    decide,
    probes_for,
    rules_from_dicts,
    rules_to_dicts,
    summarize,
)

NOW = datetime(2027, 3, 24, 15, 30, tzinfo=UTC)
SERVICE_TYPES = ("hosting_unreachable", "mail_cannot_send", "domain_dns_failure")
SERVICE_PROBE = {"hosting_unreachable": "http", "mail_cannot_send": "smtp", "domain_dns_failure": "dns"}

L1, L2, FLAG = Action.STAY_L1, Action.TO_L2, Action.KEEP_FLAG_HUMAN


# ---------------------------------------------------------------------- the guide's table

GUIDE_CASES = [
    # server does not answer ping: hardware or network, stays in L1
    ("server_no_ping", {"ping": "down"}, L1, "ping_down_hardware"),
    ("server_no_ping", {"ping": "down", "tcp": "up"}, L1, "ping_down_hardware"),
    ("server_no_ping", {"ping": "down", "tcp": "error"}, L1, "ping_down_hardware"),
    # server answers ping: configuration or administration, L2
    ("server_no_ping", {"ping": "up"}, L2, "ping_answers_configuration"),
    ("server_no_ping", {"ping": "up", "tcp": "down"}, L2, "ping_answers_configuration"),
    ("server_no_ping", {"ping": "up", "tcp": "up"}, L2, "ping_answers_configuration"),
    ("other", {"ping": "up"}, L2, "ping_answers_configuration"),
    ("other", {"ping": "down"}, L1, "ping_down_hardware"),
    # the probe could not run: stays where the customer put it, flagged
    ("server_no_ping", {"ping": "error", "tcp": "down"}, FLAG, "checks_inconclusive"),
    ("server_no_ping", {}, FLAG, "checks_inconclusive"),
    ("other", {}, FLAG, "checks_inconclusive"),
    ("something_new", {"tcp": "down"}, FLAG, "checks_inconclusive"),
    # hosting, mail, DNS: a failing service check stays in L1
    ("hosting_unreachable", {"http": "down", "ping": "up"}, L1, "service_check_failed"),
    ("mail_cannot_send", {"smtp": "down", "ping": "up"}, L1, "service_check_failed"),
    ("domain_dns_failure", {"dns": "down"}, L1, "service_check_failed"),
    ("hosting_unreachable", {"http": "up", "ping": "down"}, L1, "ping_down_hardware"),
    ("hosting_unreachable", {"http": "down", "ping": "error"}, L1, "service_check_failed"),
    # ... every check passing goes to L2
    ("hosting_unreachable", {"http": "up", "ping": "up"}, L2, "all_checks_pass"),
    ("mail_cannot_send", {"smtp": "up", "ping": "up"}, L2, "all_checks_pass"),
    ("domain_dns_failure", {"dns": "up"}, L2, "all_checks_pass"),
    ("hosting_unreachable", {"http": "up"}, L2, "all_checks_pass"),
    # ... a check that could not run is flagged for a human
    ("hosting_unreachable", {"http": "error", "ping": "up"}, FLAG, "checks_inconclusive"),
    ("mail_cannot_send", {"smtp": "up", "ping": "error"}, FLAG, "checks_inconclusive"),
    ("domain_dns_failure", {"dns": "error"}, FLAG, "checks_inconclusive"),
    ("domain_dns_failure", {}, FLAG, "checks_inconclusive"),
    # ... without the service's own probe, the ping rule still applies
    ("hosting_unreachable", {"ping": "up"}, L2, "ping_answers_configuration"),
]


@pytest.mark.parametrize(("incident_type", "outcomes", "action", "message_key"), GUIDE_CASES)
def test_it_routes_each_case_of_the_guide(
    incident_type: str, outcomes: dict[str, str], action: Action, message_key: str
) -> None:
    decision = decide(incident_type, outcomes)
    assert (decision.action, decision.message_key) == (action, message_key)
    assert decision.evidence_dict() == outcomes
    assert decision.flag_human is (action is FLAG)


def test_every_default_rule_is_used_by_some_case() -> None:
    used = {decide(itype, outcomes).rule_index for itype, outcomes, _a, _m in GUIDE_CASES}
    assert used == set(range(len(DEFAULT_RULES)))


def test_every_message_key_has_a_default_text() -> None:
    assert {rule.message_key for rule in DEFAULT_RULES} <= set(DEFAULT_MESSAGES)


def result(kind: ProbeKind, outcome: ProbeOutcome, target: str = "192.0.2.1") -> ProbeResult:
    port = None if kind is ProbeKind.PING else 80
    extra = {"query_name": "example.com"} if kind is ProbeKind.DNS else {}
    spec = ProbeSpec(kind, target, port, **extra)  # type: ignore[arg-type]
    return ProbeResult(spec, outcome, None, "ok" if outcome is ProbeOutcome.UP else "x", "", NOW)


def test_it_decides_from_probe_results_with_the_worst_outcome_per_kind() -> None:
    results = [
        result(ProbeKind.PING, ProbeOutcome.UP),
        result(ProbeKind.HTTP, ProbeOutcome.UP, "192.0.2.1"),
        result(ProbeKind.HTTP, ProbeOutcome.DOWN, "192.0.2.2"),
    ]
    decision = decide("hosting_unreachable", results)
    assert (decision.action, decision.message_key) == (L1, "service_check_failed")
    assert decision.evidence == ((ProbeKind.PING, ProbeOutcome.UP), (ProbeKind.HTTP, ProbeOutcome.DOWN))


def test_summarize_ranks_down_over_error_over_up() -> None:
    results = [
        result(ProbeKind.TCP, ProbeOutcome.UP),
        result(ProbeKind.TCP, ProbeOutcome.ERROR),
        result(ProbeKind.SMTP, ProbeOutcome.ERROR),
        result(ProbeKind.SMTP, ProbeOutcome.DOWN),
        result(ProbeKind.SMTP, ProbeOutcome.UP),
    ]
    assert summarize(results) == {ProbeKind.TCP: ProbeOutcome.ERROR, ProbeKind.SMTP: ProbeOutcome.DOWN}


def test_a_summary_with_an_unknown_kind_or_outcome_is_rejected() -> None:
    with pytest.raises(ValueError, match="icmp"):
        decide("server_no_ping", {"icmp": "up"})
    with pytest.raises(ValueError, match="maybe"):
        decide("server_no_ping", {"ping": "maybe"})


def test_the_first_matching_rule_wins_and_no_match_falls_back_to_keep_and_flag() -> None:
    rules = rules_from_dicts(
        [
            {"incident_type": "server_no_ping", "when": {"ping": ["up"]}, "action": "stay_l1", "message_key": "a"},
            {"incident_type": "*", "when": {"ping": ["up"]}, "action": "to_l2", "message_key": "b"},
        ]
    )
    assert decide("server_no_ping", {"ping": "up"}, rules).message_key == "a"
    assert decide("other", {"ping": "up"}, rules).message_key == "b"
    fallback = decide("other", {"ping": "down"}, rules)
    assert (fallback.action, fallback.rule_index, fallback.message_key) == (FLAG, None, "checks_inconclusive")


def test_missing_matches_a_probe_that_did_not_run() -> None:
    rules = (RoutingRule.make("*", "keep_flag_human", "no_ping", when={"ping": "missing"}),)
    assert decide("server_no_ping", {"tcp": "up"}, rules).message_key == "no_ping"
    assert decide("server_no_ping", {"ping": "up"}, rules).rule_index is None


# ---------------------------------------------------------------------- rules as data


def test_the_default_rules_survive_a_json_round_trip() -> None:
    data = json.loads(json.dumps(rules_to_dicts(DEFAULT_RULES)))
    assert rules_from_dicts(data) == DEFAULT_RULES


GOOD = {"incident_type": "*", "action": "to_l2", "message_key": "m"}


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ("not a list", "list of mappings"),
        ([GOOD, ["incident_type", "*"]], "rule #1: expected a mapping"),
        ([{**GOOD, "colour": "red"}], "rule #0: unknown key(s) colour"),
        ([{"incident_type": "*", "message_key": "m"}], "rule #0: missing required key 'action'"),
        ([{**GOOD, "action": "to_l3"}], "rule #0: unknown action 'to_l3'"),
        ([{**GOOD, "incident_type": " "}], "rule #0: incident_type must be"),
        ([{**GOOD, "incident_type": 5}], "rule #0: incident_type must be"),
        ([{**GOOD, "message_key": ""}], "rule #0: message_key must be"),
        ([{**GOOD, "when": {"icmp": ["up"]}}], "rule #0: unknown probe kind 'icmp'"),
        ([{**GOOD, "when": {"ping": ["sideways"]}}], "rule #0, when[ping]: unknown outcome 'sideways'"),
        ([{**GOOD, "when": {"ping": []}}], "rule #0, when[ping]: the list of outcomes is empty"),
        ([{**GOOD, "when": {"ping": 3}}], "rule #0, when[ping]: expected a list of outcomes"),
        ([{**GOOD, "when": ["ping"]}], "rule #0: 'when' must map probe kinds"),
        ([{**GOOD, "all_pass": "yes"}], "rule #0: all_pass must be true or false"),
        ([{**GOOD, "any_outcome": ["missing"]}], "rule #0: any_outcome cannot contain 'missing'"),
        ([GOOD, GOOD, {**GOOD, "any_outcome": ["bad"]}], "rule #2, any_outcome: unknown outcome 'bad'"),
    ],
)
def test_bad_rule_data_is_rejected_with_a_clear_message(rules: object, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        rules_from_dicts(rules)  # type: ignore[arg-type]
    assert message in str(raised.value)


def test_a_single_outcome_string_is_accepted() -> None:
    [rule] = rules_from_dicts([{**GOOD, "when": {"ping": "up"}}])
    assert rule.as_dict()["when"] == {"ping": ["up"]}


# ---------------------------------------------------------------------- properties

kinds = st.sampled_from([k.value for k in ProbeKind])
outcomes = st.sampled_from([o.value for o in ProbeOutcome])
incident_types = st.sampled_from(INCIDENT_TYPES) | st.text(max_size=20)


@given(incident_types, st.dictionaries(kinds, outcomes))
@settings(max_examples=400)
def test_decide_never_raises_and_ping_down_never_goes_to_l2(incident_type: str, summary: dict[str, str]) -> None:
    decision = decide(incident_type, summary)
    assert decision.action in ACTIONS
    assert decision.rule_index is not None  # the default table ends with a catch-all
    if summary.get("ping") == "down":
        assert decision.action is not L2
        assert decision.action is L1


@given(st.sampled_from(SERVICE_TYPES), st.dictionaries(kinds, outcomes, min_size=1))
@settings(max_examples=300)
def test_service_incidents_follow_the_service_checks(incident_type: str, summary: dict[str, str]) -> None:
    decision = decide(incident_type, summary)
    values = set(summary.values())
    if "down" in values:
        assert decision.action is L1
    elif "error" in values:
        assert decision.action is FLAG
    elif summary.get(SERVICE_PROBE[incident_type]) == "up" or summary.get("ping") == "up":
        assert decision.action is L2
    else:
        assert decision.action is FLAG


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "incident_type": st.sampled_from([*INCIDENT_TYPES, "*"]),
                "when": st.dictionaries(
                    kinds, st.lists(st.sampled_from(["up", "down", "error", "missing"]), min_size=1)
                ),
                "all_pass": st.booleans(),
                "any_outcome": st.lists(outcomes),
                "action": st.sampled_from([a.value for a in Action]),
                "message_key": st.sampled_from(["a", "b"]),
            }
        ),
        max_size=6,
    ),
    st.sampled_from(INCIDENT_TYPES),
    st.dictionaries(kinds, outcomes),
)
@settings(max_examples=200)
def test_any_valid_table_loads_round_trips_and_decides(
    rows: list[dict[str, object]], incident_type: str, summary: dict[str, str]
) -> None:
    rules = rules_from_dicts(rows)
    assert rules_from_dicts(rules_to_dicts(rules)) == rules
    assert decide(incident_type, summary, rules).action in ACTIONS


# ---------------------------------------------------------------------- which probes


def kinds_and_targets(specs: list[ProbeSpec]) -> list[tuple[str, str, int | None]]:
    return [(str(s.kind), s.target, s.port) for s in specs]


def test_a_server_incident_pings_and_connects_to_the_declared_ports() -> None:
    endpoints = [Endpoint("192.0.2.10", (22, 80), "server"), Endpoint("www.example.com", (443,), "web")]
    specs = probes_for("dedicated", "server_no_ping", endpoints, timeout=2)
    assert kinds_and_targets(specs) == [
        ("ping", "192.0.2.10", None),
        ("tcp", "192.0.2.10", 22),
        ("tcp", "192.0.2.10", 80),
    ]
    assert all(s.timeout == 2 for s in specs)
    assert probes_for("dedicated/server", "other", endpoints) == probes_for("vps", "server_no_ping", endpoints)


def test_a_hosting_incident_checks_http_on_the_web_endpoints_and_pings_them() -> None:
    endpoints = [Endpoint("www.example.com", (80, 443), "web"), Endpoint("shop.example.com", (), "web")]
    specs = probes_for("hosting", "hosting_unreachable", endpoints)
    assert [(str(s.kind), s.target, s.port, s.tls) for s in specs] == [
        ("http", "www.example.com", 80, False),
        ("http", "www.example.com", 443, True),
        ("http", "shop.example.com", 80, False),
        ("ping", "www.example.com", None, False),
        ("ping", "shop.example.com", None, False),
    ]


def test_a_mail_incident_reads_the_smtp_greeting_and_pings() -> None:
    specs = probes_for("mail", "mail_cannot_send", [Endpoint("ssl0.example.net", (465, 587), "mail")])
    assert [(str(s.kind), s.port, s.tls) for s in specs] == [
        ("smtp", 465, True),
        ("smtp", 587, False),
        ("ping", None, False),
    ]
    default = probes_for("exchange", "mail_cannot_send", [Endpoint("mx.example.net", (), "mail")])
    assert kinds_and_targets(default)[0] == ("smtp", "mx.example.net", 587)


def test_a_dns_incident_asks_the_configured_resolvers_and_the_declared_name_servers() -> None:
    endpoints = [Endpoint("ns1.example.net", (), "dns"), Endpoint("192.0.2.10", (22,), "server")]
    specs = probes_for(
        "domain",
        "domain_dns_failure",
        endpoints,
        domain="Example.COM",
        resolvers=[("192.0.2.53", 53), ("192.0.2.54", 5353)],
    )
    assert [(s.target, s.port, s.query_name) for s in specs] == [
        ("192.0.2.53", 53, "example.com"),
        ("192.0.2.54", 5353, "example.com"),
        ("ns1.example.net", 53, "example.com"),
    ]
    assert all(s.kind is ProbeKind.DNS for s in specs)
    assert probes_for("domain", "domain_dns_failure", endpoints, resolvers=[("192.0.2.53", 53)]) == []


def test_nothing_is_probed_that_was_not_declared_or_does_not_apply() -> None:
    assert probes_for("dedicated", "server_no_ping", []) == []
    assert probes_for("hosting", "hosting_unreachable", [Endpoint("192.0.2.1", (22,), "server")]) == []
    assert probes_for("domain", "server_no_ping", [Endpoint("192.0.2.1", (22,), "server")]) == []
    assert probes_for("dedicated", "billing_question", [Endpoint("192.0.2.1", (22,), "server")]) == []
    assert probes_for("storage", "other", [Endpoint("192.0.2.1", (22,), "server")]) == []


def test_endpoints_normalise_their_data() -> None:
    assert Endpoint("WWW.Example.com.", [80, 80, 443], "web") == Endpoint("www.example.com", (80, 443), "web")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("host", "ports", "role", "message"),
    [
        ("192.0.2.1", (22,), "database", "unknown endpoint role 'database'"),
        ("192.0.2.1", (0,), "server", "invalid port 0"),
        ("192.0.2.1", (True,), "server", "invalid port True"),
        ("not a host", (22,), "server", "invalid endpoint host"),
    ],
)
def test_bad_endpoints_are_rejected(host: str, ports: tuple[int, ...], role: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Endpoint(host, ports, role)
