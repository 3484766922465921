"""The agents' console: queues, the ticket workspace, phone intake, search and the dashboard.

One module per first segment of the URL under ``/console/``: ``queues`` (the queue and bulk
actions), ``workspace`` (``tickets/``, ``attachments/``), ``phone`` (``phone/``, ``cti/``),
``search``, ``dashboard``; the SLA report at ``/console/sla/`` is ``slawatch.views``. Views are
thin: they read through ``tickets.queries``/``console.queries``, write through the actions, and
show a refused action's message with what was typed kept.
"""

from console.views.dashboard import dashboard
from console.views.phone import cti_event, phone, phone_call, phone_lines
from console.views.queues import bulk, queue
from console.views.search import search_view
from console.views.workspace import attachment, ticket_action, ticket_detail

__all__ = [
    "attachment",
    "bulk",
    "cti_event",
    "dashboard",
    "phone",
    "phone_call",
    "phone_lines",
    "queue",
    "search_view",
    "ticket_action",
    "ticket_detail",
]
