"""Routing of a declared incident by what the probes saw (pure, no Django).

The guide's rule: an incident whose server still answers ping is not a level-1 incident
but a configuration matter for level 2. Here that rule, and the ones around it, are data:
a table of :class:`RoutingRule` rows, each matching an incident type and a condition on
the probe outcomes, read top to bottom; the first match decides. The table can be loaded
from plain dicts (:func:`rules_from_dicts`) so it can live in the database.

:func:`probes_for` says which probes to run for a service's declared endpoints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from triage.probes import (
    ProbeKind,
    ProbeOutcome,
    ProbeResult,
    ProbeSpec,
    normalise_host,
)

__all__ = [
    "ACTIONS",
    "DEFAULT_MESSAGES",
    "DEFAULT_RULES",
    "ENDPOINT_ROLES",
    "INCIDENT_TYPES",
    "PRODUCT_KINDS",
    "Action",
    "Decision",
    "Endpoint",
    "Observed",
    "OutcomeSummary",
    "RoutingRule",
    "decide",
    "may_move",
    "probes_for",
    "rules_from_dicts",
    "rules_to_dicts",
    "summarize",
]

ANY_TYPE: Final = "*"

#: Outcomes by probe kind, as enums or as their string values.
OutcomeSummary = Mapping[ProbeKind, ProbeOutcome] | Mapping[str, str]


class Action(StrEnum):
    STAY_L1 = "stay_l1"
    TO_L2 = "to_l2"
    KEEP_FLAG_HUMAN = "keep_flag_human"


ACTIONS: Final = frozenset(Action)


class Observed(StrEnum):
    """What a rule can ask of one probe kind: an outcome, or that it did not run at all."""

    UP = "up"
    DOWN = "down"
    ERROR = "error"
    MISSING = "missing"


#: Incident category codes of the guide (the incident form's drop-down list).
INCIDENT_TYPES: Final = (
    "server_no_ping",
    "hosting_unreachable",
    "mail_cannot_send",
    "domain_dns_failure",
    "other",
)

#: Default English texts for the message keys; the desk translates them and adds the
#: links to its guides.
DEFAULT_MESSAGES: Final[Mapping[str, str]] = {
    "ping_down_hardware": (
        "Your server does not answer ping: this can be a hardware or network failure, "
        "so the incident stays with the 24/7 incident team."
    ),
    "ping_answers_configuration": (
        "Your server answers ping, so the problem is most likely in its configuration or "
        "administration rather than in the hardware. It has been passed to the assistance "
        "team; the guides may help you in the meantime."
    ),
    "service_check_failed": (
        "Our checks confirm that the service does not work, so the incident stays with the 24/7 incident team."
    ),
    "all_checks_pass": (
        "All our checks of the service succeed, so this looks like a configuration "
        "matter. It has been passed to the assistance team; the guides may help you in "
        "the meantime."
    ),
    "checks_inconclusive": ("Our automatic checks could not settle this incident; a technician will look at it."),
}


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """One row of the routing table.

    A rule matches when ``incident_type`` is the incident's type (or ``"*"``) and every
    condition holds:

    * ``when``: for each listed probe kind, its summarised outcome (see :func:`summarize`)
      is one of the given values (``up``, ``down``, ``error`` or ``missing``);
    * ``all_pass``: at least one probe ran and every probe is ``up``;
    * ``any_outcome``: at least one probe kind has one of these outcomes.

    A rule with no condition always matches its type.
    """

    incident_type: str
    action: Action
    message_key: str
    when: tuple[tuple[ProbeKind, frozenset[Observed]], ...] = ()
    all_pass: bool = False
    any_outcome: frozenset[Observed] = frozenset()

    @classmethod
    def make(
        cls,
        incident_type: str,
        action: Action | str,
        message_key: str,
        *,
        when: Mapping[str, Iterable[str] | str] | None = None,
        all_pass: bool = False,
        any_outcome: Iterable[str] = (),
    ) -> RoutingRule:
        """Build a rule from plain values, validating them (``ValueError`` when invalid)."""
        return _rule_from_dict(
            {
                "incident_type": incident_type,
                "action": str(action),
                "message_key": message_key,
                "when": {
                    kind: [outcomes] if isinstance(outcomes, str) else list(outcomes)
                    for kind, outcomes in (when or {}).items()
                },
                "all_pass": all_pass,
                "any_outcome": list(any_outcome),
            },
            where="rule",
        )

    def matches(self, incident_type: str, summary: Mapping[ProbeKind, ProbeOutcome]) -> bool:
        if self.incident_type not in (ANY_TYPE, incident_type):
            return False
        for kind, allowed in self.when:
            observed = Observed(summary[kind]) if kind in summary else Observed.MISSING
            if observed not in allowed:
                return False
        if self.all_pass and (not summary or any(o is not ProbeOutcome.UP for o in summary.values())):
            return False
        return not self.any_outcome or any(Observed(o) in self.any_outcome for o in summary.values())

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-compatible values; :func:`rules_from_dicts` reads them back."""
        return {
            "incident_type": self.incident_type,
            "when": {str(k): sorted(str(o) for o in v) for k, v in self.when},
            "all_pass": self.all_pass,
            "any_outcome": sorted(str(o) for o in self.any_outcome),
            "action": str(self.action),
            "message_key": self.message_key,
        }


_RULE_KEYS: Final = frozenset({"incident_type", "when", "all_pass", "any_outcome", "action", "message_key"})


def _choices(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


def _observed_set(value: object, where: str) -> frozenset[Observed]:
    items: list[object] = [value] if isinstance(value, str) else _as_list(value, where)
    result: set[Observed] = set()
    for item in items:
        try:
            result.add(Observed(str(item)))
        except ValueError:
            raise ValueError(
                f"{where}: unknown outcome {item!r} (expected one of {_choices(o.value for o in Observed)})"
            ) from None
    if not result:
        raise ValueError(f"{where}: the list of outcomes is empty")
    return frozenset(result)


def _as_list(value: object, where: str) -> list[object]:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    raise ValueError(f"{where}: expected a list of outcomes, got {value!r}")


def _rule_from_dict(data: object, where: str) -> RoutingRule:
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: expected a mapping, got {type(data).__name__}")
    unknown = set(map(str, data)) - _RULE_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {_choices(unknown)} (allowed: {_choices(_RULE_KEYS)})")
    for required in ("incident_type", "action", "message_key"):
        if required not in data:
            raise ValueError(f"{where}: missing required key {required!r}")

    incident_type = data["incident_type"]
    if not isinstance(incident_type, str) or not incident_type.strip():
        raise ValueError(f"{where}: incident_type must be a non-empty string or '*'")
    incident_type = incident_type.strip()

    action_value = data["action"]
    try:
        action = Action(str(action_value))
    except ValueError:
        raise ValueError(
            f"{where}: unknown action {action_value!r} (expected one of {_choices(a.value for a in Action)})"
        ) from None

    message_key = data["message_key"]
    if not isinstance(message_key, str) or not message_key.strip():
        raise ValueError(f"{where}: message_key must be a non-empty string")

    when_value = data.get("when") or {}
    if not isinstance(when_value, Mapping):
        raise ValueError(f"{where}: 'when' must map probe kinds to lists of outcomes")
    when: list[tuple[ProbeKind, frozenset[Observed]]] = []
    for raw_kind, raw_outcomes in when_value.items():
        try:
            kind = ProbeKind(str(raw_kind))
        except ValueError:
            raise ValueError(
                f"{where}: unknown probe kind {raw_kind!r} in 'when' "
                f"(expected one of {_choices(k.value for k in ProbeKind)})"
            ) from None
        when.append((kind, _observed_set(raw_outcomes, f"{where}, when[{kind}]")))
    when.sort(key=lambda pair: list(ProbeKind).index(pair[0]))

    all_pass = data.get("all_pass", False)
    if not isinstance(all_pass, bool):
        raise ValueError(f"{where}: all_pass must be true or false, got {all_pass!r}")

    raw_any = data.get("any_outcome") or []
    any_outcome = _observed_set(raw_any, f"{where}, any_outcome") if raw_any else frozenset()
    if Observed.MISSING in any_outcome:
        raise ValueError(
            f"{where}: any_outcome cannot contain 'missing' (use 'when' to ask for a probe that did not run)"
        )
    return RoutingRule(
        incident_type=incident_type,
        action=action,
        message_key=message_key.strip(),
        when=tuple(when),
        all_pass=all_pass,
        any_outcome=any_outcome,
    )


def rules_from_dicts(data: Sequence[Mapping[str, object]]) -> tuple[RoutingRule, ...]:
    """Validate and build a rule table from plain dicts (e.g. rows or JSON).

    Each dict has ``incident_type``, ``action`` and ``message_key`` and optionally
    ``when`` (``{"ping": ["up"]}``), ``all_pass`` and ``any_outcome``. Raises
    ``ValueError`` naming the rule number and the problem.
    """
    if isinstance(data, str | bytes) or not isinstance(data, Sequence):
        raise ValueError("rules must be given as a list of mappings")
    return tuple(_rule_from_dict(item, where=f"rule #{index}") for index, item in enumerate(data))


def rules_to_dicts(rules: Iterable[RoutingRule]) -> list[dict[str, object]]:
    return [rule.as_dict() for rule in rules]


_SERVICE_TYPES: Final = {
    "hosting_unreachable": "http",
    "mail_cannot_send": "smtp",
    "domain_dns_failure": "dns",
}


def _default_rules() -> tuple[RoutingRule, ...]:
    rows: list[dict[str, object]] = [
        {
            "incident_type": ANY_TYPE,
            "when": {"ping": ["down"]},
            "action": "stay_l1",
            "message_key": "ping_down_hardware",
        }
    ]
    for incident_type, service_probe in _SERVICE_TYPES.items():
        rows.append(
            {
                "incident_type": incident_type,
                "any_outcome": ["down"],
                "action": "stay_l1",
                "message_key": "service_check_failed",
            }
        )
        rows.append(
            {
                "incident_type": incident_type,
                "any_outcome": ["error"],
                "action": "keep_flag_human",
                "message_key": "checks_inconclusive",
            }
        )
        rows.append(
            {
                "incident_type": incident_type,
                "when": {service_probe: ["up"]},
                "all_pass": True,
                "action": "to_l2",
                "message_key": "all_checks_pass",
            }
        )
    rows.append(
        {
            "incident_type": ANY_TYPE,
            "when": {"ping": ["up"]},
            "action": "to_l2",
            "message_key": "ping_answers_configuration",
        }
    )
    rows.append(
        {
            "incident_type": ANY_TYPE,
            "action": "keep_flag_human",
            "message_key": "checks_inconclusive",
        }
    )
    return rules_from_dicts(rows)


#: The guide as a table; see the module documentation and :func:`decide`.
DEFAULT_RULES: Final = _default_rules()

_FALLBACK_MESSAGE: Final = "checks_inconclusive"


@dataclass(frozen=True, slots=True)
class Decision:
    """Where an incident goes, why, and on what evidence.

    ``rule_index`` is the position of the matching rule, or ``None`` when no rule matched
    and the built-in fallback (keep and flag) applied. ``evidence`` holds the summarised
    outcome of each probe kind that ran, in :class:`ProbeKind` order.
    """

    incident_type: str
    action: Action
    message_key: str
    rule_index: int | None
    evidence: tuple[tuple[ProbeKind, ProbeOutcome], ...]

    @property
    def flag_human(self) -> bool:
        return self.action is Action.KEEP_FLAG_HUMAN

    def evidence_dict(self) -> dict[str, str]:
        return {str(kind): str(outcome) for kind, outcome in self.evidence}


_SEVERITY: Final = {ProbeOutcome.DOWN: 2, ProbeOutcome.ERROR: 1, ProbeOutcome.UP: 0}


def summarize(
    results: Iterable[ProbeResult] | OutcomeSummary,
) -> dict[ProbeKind, ProbeOutcome]:
    """One outcome per probe kind: ``down`` if any probe of that kind is down, else
    ``error`` if any could not run, else ``up``.

    Accepts probe results or a mapping of kind to outcome (both as strings or enums);
    unknown kinds or outcomes raise ``ValueError``.
    """
    pairs: list[tuple[ProbeKind, ProbeOutcome]] = []
    if isinstance(results, Mapping):
        for raw_kind, raw_outcome in results.items():
            try:
                pairs.append((ProbeKind(str(raw_kind)), ProbeOutcome(str(raw_outcome))))
            except ValueError:
                raise ValueError(f"unknown probe kind or outcome: {raw_kind!r}: {raw_outcome!r}") from None
    else:
        pairs = [(result.spec.kind, result.outcome) for result in results]
    summary: dict[ProbeKind, ProbeOutcome] = {}
    for kind, outcome in pairs:
        current = summary.get(kind)
        if current is None or _SEVERITY[outcome] > _SEVERITY[current]:
            summary[kind] = outcome
    return {kind: summary[kind] for kind in ProbeKind if kind in summary}


def decide(
    incident_type: str,
    results: Iterable[ProbeResult] | OutcomeSummary,
    rules: Sequence[RoutingRule] = DEFAULT_RULES,
) -> Decision:
    """Apply the first matching rule to the incident's probe outcomes.

    With :data:`DEFAULT_RULES` (first match wins):

    =======  ===================  ==================================  ===============
    rule     incident type        condition                           action
    =======  ===================  ==================================  ===============
    0        any                  ping down                           stay_l1
    1, 4, 7  hosting, mail, DNS   any probe down                      stay_l1
    2, 5, 8  hosting, mail, DNS   any probe error                     keep_flag_human
    3, 6, 9  hosting, mail, DNS   http, smtp, dns up; every probe up  to_l2
    10       any                  ping up                             to_l2
    11       any                  (always)                            keep_flag_human
    =======  ===================  ==================================  ===============
    """
    summary = summarize(results)
    evidence = tuple(summary.items())
    itype = incident_type.strip()
    for index, rule in enumerate(rules):
        if rule.matches(itype, summary):
            return Decision(itype, rule.action, rule.message_key, index, evidence)
    return Decision(itype, Action.KEEP_FLAG_HUMAN, _FALLBACK_MESSAGE, None, evidence)


def may_move(action: Action, *, placed_by_person: bool) -> bool:
    """Whether the desk may carry out ``action`` on the ticket by itself.

    A person's judgement stands: when a person (an agent opening or moving it) put the ticket on
    its level, the checks record what they saw and tell the agent, but never move the ticket;
    only a person moves it then. Tickets the customer declared, or monitoring opened, follow
    the table."""
    return action is not Action.TO_L2 or not placed_by_person


# ---------------------------------------------------------------- which probes to run

ENDPOINT_ROLES: Final = frozenset({"server", "web", "dns", "mail"})

_PRODUCT_ALIASES: Final = {
    "dedicated/server": "dedicated",
    "dedicatedcloud": "dedicatedcloud",
    "cloud": "publiccloud",
    "hosting/web": "hosting",
    "email/domain": "mail",
    "email/exchange": "exchange",
    "email/pro": "emailpro",
}

_SERVER_PRODUCTS: Final = frozenset({"dedicated", "vps", "dedicatedcloud", "publiccloud", "iaas", "housing"})
_WEB_PRODUCTS: Final = frozenset({"hosting", "cdn", "ssl"})
_MAIL_PRODUCTS: Final = frozenset({"mail", "exchange", "emailpro"})
_DOMAIN_PRODUCTS: Final = frozenset({"domain"})

#: Product kinds that get probes, named as in OVH's support API.
PRODUCT_KINDS: Final = _SERVER_PRODUCTS | _WEB_PRODUCTS | _MAIL_PRODUCTS | _DOMAIN_PRODUCTS

#: For an ``other`` incident, the product's own incident type decides the probes.
_NATURAL_INCIDENT: Final = (
    dict.fromkeys(_SERVER_PRODUCTS, "server_no_ping")
    | dict.fromkeys(_WEB_PRODUCTS, "hosting_unreachable")
    | dict.fromkeys(_MAIL_PRODUCTS, "mail_cannot_send")
    | dict.fromkeys(_DOMAIN_PRODUCTS, "domain_dns_failure")
)

_HTTPS_PORTS: Final = frozenset({443, 8443})
_SMTPS_PORTS: Final = frozenset({465})
_DEFAULT_WEB_PORTS: Final = (80,)
_DEFAULT_MAIL_PORTS: Final = (587,)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A declared endpoint of a customer's service: a host, its ports and its role
    (``server``, ``web``, ``dns`` or ``mail``)."""

    host: str
    ports: tuple[int, ...] = ()
    role: str = "server"

    def __post_init__(self) -> None:
        host = normalise_host(self.host) if isinstance(self.host, str) else None
        if host is None:
            raise ValueError(f"invalid endpoint host {self.host!r}: expected a host name or an IP address")
        object.__setattr__(self, "host", host)
        if self.role not in ENDPOINT_ROLES:
            raise ValueError(f"unknown endpoint role {self.role!r} (expected one of {_choices(ENDPOINT_ROLES)})")
        ports = tuple(self.ports)
        for port in ports:
            if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
                raise ValueError(f"invalid port {port!r} for endpoint {self.host}")
        object.__setattr__(self, "ports", tuple(dict.fromkeys(ports)))


def _normalise_product(product_kind: str) -> str:
    kind = product_kind.strip()
    return _PRODUCT_ALIASES.get(kind.lower(), kind.lower())


def _hosts(endpoints: Iterable[Endpoint], role: str) -> list[str]:
    return list(dict.fromkeys(e.host for e in endpoints if e.role == role))


def probes_for(
    product_kind: str,
    incident_type: str,
    endpoints: Iterable[Endpoint],
    *,
    domain: str | None = None,
    resolvers: Sequence[tuple[str, int]] = (),
    timeout: float = 5.0,
) -> list[ProbeSpec]:
    """The probes to run for an incident, aimed only at the service's declared endpoints.

    * ``server_no_ping``: ping each ``server`` endpoint and TCP-connect to its ports;
    * ``hosting_unreachable``: HTTP GET on each ``web`` endpoint's ports (443 and 8443 over
      TLS; port 80 when none is declared), and ping the web hosts;
    * ``mail_cannot_send``: SMTP greeting on each ``mail`` endpoint's ports (465 over TLS;
      587 when none is declared), and ping the mail hosts;
    * ``domain_dns_failure``: resolve ``domain`` (A record) through each configured
      resolver ``(host, port)`` and each declared ``dns`` endpoint;
    * ``other``: the probes of the product's own incident type.

    Domains have no server, so a domain product never gets ping or TCP probes. Unknown
    incident types get no probes (the routing then keeps the incident and flags it).
    Probes that cannot be built from the declared data (e.g. a ``domain_dns_failure``
    without ``domain``) are left out rather than guessed.
    """
    product = _normalise_product(product_kind)
    endpoint_list = list(endpoints)
    itype = incident_type.strip()
    if itype == "other":
        itype = _NATURAL_INCIDENT.get(product, "")
    specs: list[ProbeSpec] = []

    def add(spec: ProbeSpec) -> None:
        if spec not in specs:
            specs.append(spec)

    def ping_hosts(role: str) -> None:
        if product in _DOMAIN_PRODUCTS:
            return
        for host in _hosts(endpoint_list, role):
            add(ProbeSpec(ProbeKind.PING, host, timeout=timeout))

    if itype == "server_no_ping":
        ping_hosts("server")
        for endpoint in endpoint_list:
            if endpoint.role == "server" and product not in _DOMAIN_PRODUCTS:
                for port in endpoint.ports:
                    add(ProbeSpec(ProbeKind.TCP, endpoint.host, port, timeout=timeout))
    elif itype == "hosting_unreachable":
        for endpoint in endpoint_list:
            if endpoint.role == "web":
                for port in endpoint.ports or _DEFAULT_WEB_PORTS:
                    add(
                        ProbeSpec(
                            ProbeKind.HTTP,
                            endpoint.host,
                            port,
                            timeout=timeout,
                            tls=port in _HTTPS_PORTS,
                        )
                    )
        ping_hosts("web")
    elif itype == "mail_cannot_send":
        for endpoint in endpoint_list:
            if endpoint.role == "mail":
                for port in endpoint.ports or _DEFAULT_MAIL_PORTS:
                    add(
                        ProbeSpec(
                            ProbeKind.SMTP,
                            endpoint.host,
                            port,
                            timeout=timeout,
                            tls=port in _SMTPS_PORTS,
                        )
                    )
        ping_hosts("mail")
    elif itype == "domain_dns_failure" and domain:
        servers = list(resolvers)
        for endpoint in endpoint_list:
            if endpoint.role == "dns":
                servers.extend((endpoint.host, port) for port in endpoint.ports or (53,))
        for host, port in dict.fromkeys(servers):
            add(ProbeSpec(ProbeKind.DNS, host, port, timeout=timeout, query_name=domain))
    return specs
