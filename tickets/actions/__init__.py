"""Every change to a ticket: one function each, one transaction each, one audit event each.

Views, the API, e-mail and phone intake and background jobs all call these functions. Each takes
keyword-only arguments with an explicit ``actor`` (``None`` for the desk itself) and ``now``,
checks who may do it, writes the change and its ``TicketEvent``, and enqueues the follow-up task
after commit. A refused action raises ``ActionRefused`` (or a subclass) and writes nothing.

One module per kind of change, named for its verb: ``opening``, ``conversation`` (reply, note),
``ownership`` (claim, assign), ``status`` (wait, resolve, close, reopen, score), ``moves`` (the
guide's moves between levels), ``desk`` (the desk acting by itself, other apps' audit events),
``duplicates``, ``sla`` (the SLA clock's warnings, breaches and recomputed due times); ``_base``
holds what they share, the SLA clock's steps among them: every action that changes what the
clock counts calls ``sla.clock`` by name and writes what it did in the same transaction.
``from tickets import actions`` then ``actions.open_ticket(...)`` reaches every one of them.
"""

from tickets.actions._base import (
    BODY_MAX,
    SUBJECT_MAX,
    CleanUpload,
    clean_uploads,
    works_on,
)
from tickets.actions.conversation import add_note, reply
from tickets.actions.desk import add_system_note, record_event, resolve_by_desk
from tickets.actions.duplicates import merge_duplicate
from tickets.actions.moves import (
    hand_off_for_quote,
    open_incident_from,
    pass_to_managed_services,
    transfer_to_assistance,
)
from tickets.actions.opening import TICKET_NUMBER_START, open_ticket
from tickets.actions.ownership import assign_ticket, claim_ticket
from tickets.actions.routing import priority_set_by_a_person, set_priority, set_team
from tickets.actions.sla import recompute_sla_due_times, record_sla_milestone, refresh_sla_next_check
from tickets.actions.status import (
    can_be_scored,
    close_ticket,
    reopen_ticket,
    resolve_ticket,
    score_ticket,
    wait_for_customer,
)
from tickets.errors import ActionRefused, Forbidden, InvalidInput, NotFound

__all__ = [
    "BODY_MAX",
    "SUBJECT_MAX",
    "TICKET_NUMBER_START",
    "ActionRefused",
    "CleanUpload",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "add_note",
    "add_system_note",
    "assign_ticket",
    "can_be_scored",
    "claim_ticket",
    "clean_uploads",
    "close_ticket",
    "hand_off_for_quote",
    "merge_duplicate",
    "open_incident_from",
    "open_ticket",
    "pass_to_managed_services",
    "priority_set_by_a_person",
    "record_event",
    "record_sla_milestone",
    "recompute_sla_due_times",
    "refresh_sla_next_check",
    "reopen_ticket",
    "reply",
    "resolve_by_desk",
    "resolve_ticket",
    "score_ticket",
    "set_priority",
    "set_team",
    "transfer_to_assistance",
    "wait_for_customer",
    "works_on",
]
