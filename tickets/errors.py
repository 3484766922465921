"""Why an action on a ticket was refused, with a stable code for the API and a message for people."""

from __future__ import annotations

from django.utils.functional import Promise


class ActionRefused(Exception):
    """The action breaks a rule; nothing was written. ``code`` is stable, ``message`` is translated."""

    status = 409

    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


class InvalidInput(ActionRefused):
    """A value the action cannot accept (empty body, score out of range, file too big)."""

    status = 400

    def __init__(self, code: str, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(code, message)
        self.field = field


class NotFound(ActionRefused):
    """The ticket (or service) does not exist for this person: the same answer as a missing one."""

    status = 404


class Forbidden(ActionRefused):
    """The person can see the ticket but their role may not do this."""

    status = 403
