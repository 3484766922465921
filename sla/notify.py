"""Who is told about an SLA warning or breach, and what they read, in their own language.

Only message building and recipients live here; ``sla.tasks.notify_sla_event`` sends the result
with Django's mail, so a notification service can replace the sending without touching this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from tickets.models import EventKind, Ticket, TicketEvent


@dataclass(frozen=True)
class Notice:
    to: str
    language: str
    subject: str
    body: str


def recipients(ticket: Ticket) -> list[User]:
    """The assignee, the members of the ticket's team and the supervisors; each once, active only."""
    people: dict[int, User] = {}
    if ticket.assignee_id is not None and ticket.assignee is not None:
        people[ticket.assignee.pk] = ticket.assignee
    if ticket.team_id is not None:
        for member in ticket.team.members.filter(is_active=True).order_by("pk"):  # type: ignore[union-attr]
            people.setdefault(member.pk, member)
    for supervisor in User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("pk"):
        people.setdefault(supervisor.pk, supervisor)
    return [person for person in people.values() if person.is_active and person.email]


def _when(value: datetime | None, person: User) -> str:
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(person.time_zone or settings.TIME_ZONE))
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({person.time_zone})"


def build(event: TicketEvent, person: User) -> Notice:
    """The e-mail one person receives for one warning or breach event."""
    ticket = event.ticket
    due = event.data.get("due_at")
    due_at = datetime.fromisoformat(due) if due else None
    with translation.override(person.language or settings.LANGUAGE_CODE):
        values = {"number": ticket.number, "subject": ticket.subject, "level": event.data.get("level", "")}
        if event.kind == EventKind.SLA_WARNING:
            subject = _("SLA warning: ticket #%(number)s is due soon") % values
            lead = _("Ticket #%(number)s (%(level)s) “%(subject)s” has not been answered and is due soon.") % values
        elif event.data.get("clock") == "resolution":
            subject = _("SLA missed: ticket #%(number)s is not resolved in time") % values
            lead = _("Ticket #%(number)s (%(level)s) “%(subject)s” was not resolved within its target.") % values
        else:
            subject = _("SLA missed: ticket #%(number)s was not answered in time") % values
            lead = _("Ticket #%(number)s (%(level)s) “%(subject)s” was not answered within its target.") % values
        lines = [
            lead,
            "",
            _("Due: %(when)s") % {"when": _when(due_at, person)},
            _("Assigned to: %(who)s") % {"who": ticket.assignee or _("nobody")},
            "",
            _("Open it in the console: %(path)s") % {"path": reverse("console:ticket", args=[ticket.number])},
        ]
        return Notice(to=person.email, language=person.language, subject=str(subject), body="\n".join(map(str, lines)))


def notices(event_id: int) -> list[Notice]:
    event = TicketEvent.objects.select_related("ticket", "ticket__assignee", "ticket__team").get(pk=event_id)
    return [build(event, person) for person in recipients(event.ticket)]
