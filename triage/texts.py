"""What automatic triage and monitoring write on tickets (level-history reasons, internal notes,
the message to the customer), as codes with parameters (``core.stored_text``), and their words in
the reader's language. Registered in ``TriageConfig.ready``.

A probe result is stored by what it saw (``result_params``: kind, outcome, where, port, reply code,
detail code), never by the checker's own English detail, so a reader sees it in their language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import stored_text
from triage import routing
from triage.models import Decision, Outcome
from triage.probes import ProbeKind, ProbeOutcome

#: What each ``detail_code`` of a probe means (``triage.probes.DETAIL_CODES``), in the reader's
#: language; ``%(where)s`` is the host (and port) probed.
DETAILS: dict[str, Promise] = {
    "refused": gettext_lazy("%(where)s refused the connection"),
    "timeout": gettext_lazy("%(where)s did not answer before the probe's timeout"),
    "unreachable": gettext_lazy("no route to %(where)s"),
    "reset": gettext_lazy("%(where)s reset the connection"),
    "connection_error": gettext_lazy("the connection to %(where)s failed"),
    "tls_error": gettext_lazy("the TLS handshake or certificate check with %(where)s failed"),
    "http_server_error": gettext_lazy("%(where)s answered with HTTP status %(code)s"),
    "no_response": gettext_lazy("%(where)s closed the connection before an HTTP status line"),
    "bad_response": gettext_lazy("%(where)s answered something that is not HTTP"),
    "no_reply": gettext_lazy("no echo reply from %(where)s"),
    "nxdomain": gettext_lazy("the domain name does not exist (asked %(where)s)"),
    "no_answer": gettext_lazy("the name has no record of the requested type (asked %(where)s)"),
    "servfail": gettext_lazy("the name servers failed to answer (asked %(where)s)"),
    "no_greeting": gettext_lazy("%(where)s accepted the connection but sent no SMTP greeting"),
    "bad_greeting": gettext_lazy("the SMTP greeting of %(where)s was %(code)s, not 220"),
    "unresolvable": gettext_lazy("the host name %(where)s does not resolve"),
    "denied_range": gettext_lazy("%(where)s is in a network the desk must not probe"),
    "invalid_target": gettext_lazy("%(where)s is not a valid host name or IP address"),
    "resolve_error": gettext_lazy("the desk's own name resolution failed"),
    "resolve_timeout": gettext_lazy("the desk's own name resolution timed out"),
    "no_ping_method": gettext_lazy("the checker can send no ping"),
    "ping_permission": gettext_lazy("the checker lacks the privileges to send a ping"),
    "ping_failed": gettext_lazy("the ping command failed"),
    "checker_timeout": gettext_lazy("the checker did not finish the probe before its deadline"),
    "checker_error": gettext_lazy("the checker failed unexpectedly"),
}

#: What a probe that succeeded saw, by kind.
SUCCEEDED: dict[str, Promise] = {
    ProbeKind.PING: gettext_lazy("echo reply from %(where)s"),
    ProbeKind.TCP: gettext_lazy("%(where)s accepts connections"),
    ProbeKind.HTTP: gettext_lazy("%(where)s answers with HTTP status %(code)s"),
    ProbeKind.DNS: gettext_lazy("%(where)s answers for the domain"),
    ProbeKind.SMTP: gettext_lazy("%(where)s greets senders (%(code)s)"),
}


def result_params(result: Any) -> dict[str, Any]:
    """What is stored of one probe result (a result of the checker or a stored row)."""
    port = result.spec.port if hasattr(result, "spec") else result.port
    label = result.spec.label if hasattr(result, "spec") else result.label
    return {
        "kind": str(result.kind),
        "outcome": str(result.outcome),
        "target": str(result.target),
        "port": port,
        "code": result.code,
        "detail_code": str(result.detail_code),
        "label": str(label)[:300],
    }


def detail_text(params: Mapping[str, Any]) -> str:
    """A probe result's detail in the active language."""
    where = f"{params['target']}:{params['port']}" if params.get("port") else str(params.get("target", ""))
    values = {"where": where, "code": params.get("code") or "—"}
    code = params.get("detail_code", "")
    if code == "ok" or params.get("outcome") == ProbeOutcome.UP:
        text = SUCCEEDED.get(str(params.get("kind", "")))
        return str(text % values) if text is not None else _("the check succeeded")
    text = DETAILS.get(code)
    return str(text % values) if text is not None else str(code)


def _outcome(value: str) -> str:
    labels = dict(Outcome.choices)
    return str(labels.get(value, value))


def _decision(value: str) -> str:
    labels = dict(Decision.choices)
    return str(labels.get(value, value)) if value else "—"


def _sentence(params: Mapping[str, Any]) -> str:
    return routing.customer_sentence(_Result(params))


class _Result:
    """A stored result's parameters, read as ``routing.customer_sentence`` reads a result."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.kind = params.get("kind", "")
        self.outcome = params.get("outcome", "")
        self.target = params.get("target", "")
        self.port = params.get("port")
        self.code = params.get("code")


def _guides_links(guide_slug: str) -> str:
    base = settings.PUBLIC_URL
    links = [_("[The support levels, explained](%(url)s)") % {"url": f"{base}{routing.GUIDES_PATH}"}]
    if guide_slug and guide_slug != "niveles-de-soporte":
        links.append(_("[A guide for this kind of problem](%(url)s)") % {"url": f"{base}/guides/{guide_slug}/"})
    return "\n".join(f"- {link}" for link in links)


def _evidence_lines(results: list[Mapping[str, Any]]) -> str:
    lines = [
        _("- %(check)s: %(outcome)s, %(detail)s")
        % {"check": r.get("label", ""), "outcome": _outcome(r.get("outcome", "")), "detail": detail_text(r)}
        for r in results
    ]
    return "\n".join(lines) or _("No probe could run.")


def _automatic_reason(params: dict[str, Any]) -> str:
    return _("Automatic triage: %(why)s") % {"why": routing.explanation(params.get("message_key", ""))}


def _to_assistance_message(params: dict[str, Any]) -> str:
    lines = [routing.explanation(params.get("message_key", "")), ""]
    lines += [f"- {text}" for text in (_sentence(r) for r in params.get("results", [])) if text]
    return "{}\n\n{}".format("\n".join(lines).strip(), _guides_links(params.get("guide_slug", "")))


def _decision_note(params: dict[str, Any]) -> str:
    body = _("Automatic triage: %(decision)s. %(why)s") % {
        "decision": _decision(params.get("decision", "")),
        "why": routing.explanation(params.get("message_key", "")),
    }
    if params.get("needs_human"):
        body = _("A technician is needed. %(body)s") % {"body": body}
    return f"{body}\n\n{_evidence_lines(params.get('results', []))}"


def _not_applied(params: dict[str, Any]) -> str:
    return _("Automatic triage decided “%(decision)s” but did not act: the ticket changed meanwhile.") % {
        "decision": _decision(params.get("decision", ""))
    }


def _kept_by_person(params: dict[str, Any]) -> str:
    return "{}\n\n{}".format(
        _(
            "Automatic triage would pass this ticket to level 2, but a person put it on level 1: it stays "
            "there unless a person moves it. What the checks saw:"
        ),
        _evidence_lines(params.get("results", [])),
    )


def _overridden(params: dict[str, Any]) -> str:
    return _("Triage decision overridden: %(before)s → %(after)s. Reason: %(reason)s") % {
        "before": _decision(params.get("before", "")),
        "after": _decision(params.get("after", "")),
        "reason": params.get("reason", ""),
    }


def _override_message(params: dict[str, Any]) -> str:
    return "{}\n\n{}".format(
        _("A technician looked at the checks of your incident and passed it to the assistance team."),
        _guides_links(params.get("guide_slug", "")),
    )


TEXTS: dict[str, stored_text.Text] = {
    "triage.automatic_reason": _automatic_reason,
    "triage.to_assistance_message": _to_assistance_message,
    "triage.decision_note": _decision_note,
    "triage.not_applied": _not_applied,
    "triage.kept_by_person": _kept_by_person,
    "triage.overridden": _overridden,
    "triage.override_message": _override_message,
    "triage.monitoring_also_failing": gettext_lazy(
        "Monitoring also reports the check %(check)s failing (alert %(id)s)."
    ),
    "triage.monitoring_fails": gettext_lazy(
        "Our monitoring reports that the %(check)s check of your service %(service)s fails since "
        "%(time)s. Our incident team is on it; you do not need to declare it."
    ),
    "triage.monitoring_recovered": gettext_lazy("Monitoring reports the check %(check)s recovered."),
    "triage.monitoring_recovery_reason": gettext_lazy(
        "Monitoring reports the check %(check)s recovered (alert %(id)s)."
    ),
    "triage.monitoring_works_again": gettext_lazy(
        "Our monitoring reports that your service %(service)s works again. We consider the incident "
        "resolved; reply to this message if the problem continues."
    ),
}
