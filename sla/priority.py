"""A ticket's priority from impact × urgency (ITIL's matrix), as plain functions (no Django).

- **Impact** is how much of the customer's business stops: it follows the kind of request (an
  incident stops a service; assistance does not), whether the ticket names a service that is
  live (``service_live``: a service in production, not suspended or being delivered), and how
  many services are affected (``services_affected`` above one raises it a step).
- **Urgency** is chosen by the customer on the incident form from plain questions ("Is your
  service completely down?"): ``high`` (down), ``medium`` (partly working or slow), ``low`` (it
  works, a question). Channels that ask nothing (phone, e-mail, the API) count as ``medium``.

The matrix (rows impact, columns urgency)::

              high      medium    low
    high      critical  high      normal
    medium    high      normal    low
    low       normal    normal    low

so an incident on a live service with no answer to the question is ``high``, technical
assistance ``normal``, as every ticket was before priorities were derived. The plan then turns a
priority into a target (``sla.plans``).
"""

from __future__ import annotations

from enum import StrEnum


class Impact(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Urgency(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


MATRIX: dict[Impact, dict[Urgency, str]] = {
    Impact.HIGH: {Urgency.HIGH: "critical", Urgency.MEDIUM: "high", Urgency.LOW: "normal"},
    Impact.MEDIUM: {Urgency.HIGH: "high", Urgency.MEDIUM: "normal", Urgency.LOW: "low"},
    Impact.LOW: {Urgency.HIGH: "normal", Urgency.MEDIUM: "normal", Urgency.LOW: "low"},
}

_KIND_IMPACT = {
    "incident": Impact.HIGH,
    "assistance_technical": Impact.MEDIUM,
    "assistance_commercial": Impact.LOW,
    "intervention": Impact.LOW,
}
_STEPS = [Impact.LOW, Impact.MEDIUM, Impact.HIGH]


def impact_of(kind: str, *, service_live: bool | None = None, services_affected: int = 1) -> Impact:
    """The impact of a request of ``kind``: lowered a step for an incident on a service that is
    not live, raised a step when several services are affected."""
    step = _STEPS.index(_KIND_IMPACT.get(kind, Impact.MEDIUM))
    if kind == "incident" and service_live is False:
        step -= 1
    if services_affected > 1:
        step += 1
    return _STEPS[max(0, min(step, len(_STEPS) - 1))]


def priority_for(
    kind: str, *, urgency: str | None = None, service_live: bool | None = None, services_affected: int = 1
) -> str:
    """The priority (``sla.models.Priority`` value) of a new ticket."""
    impact = impact_of(kind, service_live=service_live, services_affected=services_affected)
    chosen = Urgency(urgency) if urgency in set(Urgency) else Urgency.MEDIUM
    return MATRIX[impact][chosen]
