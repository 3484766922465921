"""What the automatic triage tells the customer about each decision, in English source text
(translated by the catalogues; see ``triage.rules.DEFAULT_MESSAGES``). A routing rule names one
of these keys."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: The explanation of each decision, in English source text (see ``triage.rules.DEFAULT_MESSAGES``).
MESSAGES: dict[str, Promise] = {
    "ping_down_hardware": _(
        "Your server does not answer ping: this can be a hardware or network failure, "
        "so the incident stays with the 24/7 incident team."
    ),
    "ping_answers_configuration": _(
        "Your server answers ping, so the problem is most likely in its configuration or "
        "administration rather than in the hardware. It has been passed to the assistance "
        "team; the guides may help you in the meantime."
    ),
    "service_check_failed": _(
        "Our checks confirm that the service does not work, so the incident stays with the 24/7 incident team."
    ),
    "all_checks_pass": _(
        "All our checks of the service succeed, so this looks like a configuration "
        "matter. It has been passed to the assistance team; the guides may help you in "
        "the meantime."
    ),
    "checks_inconclusive": _("Our automatic checks could not settle this incident; a technician will look at it."),
}
