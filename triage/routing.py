"""The Django side of routing: the active rule table, probe settings, and explanations in words.

The rule table is loaded once per process and reloaded when a rule set is saved in this process
(signal) or, for other processes, after ``RULES_MAX_AGE`` seconds.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from triage import rules as pure_rules
from triage.explanations import MESSAGES
from triage.models import RoutingRuleSet
from triage.probes import PRODUCTION_DENYLIST, DenyList, ProbeKind, ProbeOutcome
from triage.rules import RoutingRule

RULES_MAX_AGE = 60.0
GUIDES_PATH = "/guides/niveles-de-soporte/"

#: Incident category codes of the desk → incident types of the routing table.
CATEGORY_TO_INCIDENT_TYPE = {
    "server_no_ping": "server_no_ping",
    "hosting_unreachable": "hosting_unreachable",
    "mail_cannot_send": "mail_cannot_send",
    "domain_dns_failure": "domain_dns_failure",
    "incident_other": "other",
}

_lock = threading.Lock()
_cache: tuple[float, str, tuple[RoutingRule, ...]] | None = None


def invalidate_rules() -> None:
    """Forget the loaded table; the next decision reads the active set again."""
    global _cache
    with _lock:
        _cache = None


def active_rules() -> tuple[str, tuple[RoutingRule, ...]]:
    """(name, rules) of the active rule set, or the guide's defaults when none is active or the
    stored set no longer validates."""
    global _cache
    with _lock:
        cached = _cache
    if cached is not None and time.monotonic() - cached[0] < RULES_MAX_AGE:
        return cached[1], cached[2]
    row = RoutingRuleSet.objects.filter(active=True).values_list("name", "rules").first()
    name, table = "guide defaults", pure_rules.DEFAULT_RULES
    if row is not None:
        try:
            name, table = row[0], pure_rules.rules_from_dicts(row[1])
        except ValueError:
            name = f"guide defaults (rule set {row[0]!r} is invalid)"
    with _lock:
        _cache = (time.monotonic(), name, table)
    return name, table


# --- probe settings --------------------------------------------------------------------------


def denylist() -> DenyList:
    """The deny-list from ``TIERDESK_PROBE_DENYLIST``, with the desk's own resolvers carved out."""
    networks: list[str] = []
    for item in settings.TIERDESK_PROBE_DENYLIST:
        if item == "production":
            networks.extend(str(net) for net in PRODUCTION_DENYLIST.networks)
        else:
            networks.append(item)
    allowed = [f"{host}/{128 if ':' in host else 32}" for host, _port in resolvers() if _is_ip(host)]
    return DenyList.from_cidrs(networks, allowed)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


_HOSTPORT = re.compile(r"\[([0-9A-Fa-f:.]+)\](?::([0-9]{1,5}))?|([^:\[\]]+)(?::([0-9]{1,5}))?")


def resolvers() -> list[tuple[str, int]]:
    """``TIERDESK_DNS_RESOLVERS`` as (host, port) pairs."""
    pairs = []
    for item in settings.TIERDESK_DNS_RESOLVERS:
        match = _HOSTPORT.fullmatch(item.strip())
        if match is None:
            continue
        host = match.group(1) or match.group(3)
        port = int(match.group(2) or match.group(4) or 53)
        pairs.append((host, port))
    return pairs


# --- plain words for the customer ------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    outcome: str
    text: str


def _port(result: Any) -> int | None:
    """The port of a stored result or of a probe's result."""
    if hasattr(result, "spec"):
        return result.spec.port  # type: ignore[no-any-return]
    return result.port  # type: ignore[no-any-return]


def _where(result: Any) -> str:
    port = _port(result)
    return f"{result.target}:{port}" if port else str(result.target)


def customer_sentence(result: Any) -> str:
    """One probe result in plain words, in the active language."""
    kind, outcome = result.kind, result.outcome
    values = {"where": _where(result), "port": _port(result) or "", "code": result.code or ""}
    if outcome == ProbeOutcome.ERROR:
        return str(_("We could not check %(where)s automatically; a technician will look at it.") % values)
    texts: dict[tuple[str, str], Promise] = {
        (ProbeKind.PING, ProbeOutcome.UP): _(
            "Your server answers ping, so the problem is not the hardware or the network connection."
        ),
        (ProbeKind.PING, ProbeOutcome.DOWN): _(
            "Your server does not answer ping: the hardware or the network connection may have failed."
        ),
        (ProbeKind.TCP, ProbeOutcome.UP): _("Port %(port)s of your server accepts connections."),
        (ProbeKind.TCP, ProbeOutcome.DOWN): _("Port %(port)s of your server does not accept connections."),
        (ProbeKind.HTTP, ProbeOutcome.UP): _("Your website answers (HTTP status %(code)s)."),
        (ProbeKind.HTTP, ProbeOutcome.DOWN): _("Your website does not answer correctly (%(where)s)."),
        (ProbeKind.DNS, ProbeOutcome.UP): _("Your domain name resolves through %(where)s."),
        (ProbeKind.DNS, ProbeOutcome.DOWN): _("Your domain name does not resolve through %(where)s."),
        (ProbeKind.SMTP, ProbeOutcome.UP): _("Your mail server greets senders on %(where)s."),
        (ProbeKind.SMTP, ProbeOutcome.DOWN): _("Your mail server does not greet senders on %(where)s."),
    }
    text = texts.get((ProbeKind(kind), ProbeOutcome(outcome)))
    return str(text % values) if text is not None else ""


def explanation(message_key: str) -> str:
    """The decision's explanation in the active language."""
    return str(MESSAGES.get(message_key, MESSAGES["checks_inconclusive"]))


def incident_type_for(category_code: str | None) -> str:
    return CATEGORY_TO_INCIDENT_TYPE.get(category_code or "", "other")


def summary_sentences(results: Sequence[Any]) -> list[Sentence]:
    return [Sentence(r.outcome, customer_sentence(r)) for r in results]
