"""Who may use each URL of the desk: the declarations the authorization matrix checks
(``tierdesk/tests/test_authorization_matrix.py``).

One line per URL name (``namespace:name`` as in ``reverse``), REST operations included
(``api:v1:<operation>``). A new URL fails the suite until it is declared here:

    "app:name": Rule("GET", "/path/{ticket}/", STAFF),

- the method the matrix tries (a POST is sent with an empty or the given body: the matrix checks
  who is let in, not what the form does);
- the path, with ``{ticket}``, ``{quote}``, ``{invoice}``, ``{attachment}``, ``{credential}``… naming
  customer A's objects (``None``: not requested, with the reason in a comment);
- the roles let in; every other role must be refused (401, 403, 404, 405 or a redirect to the
  login page). Customer B is never let into customer A's objects.
- ``kind="bearer"`` for REST v1 (a token per role instead of a session), ``"signed"`` for the
  endpoints only a signature opens (every role refused, 503 while no secret is configured).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "customer_a", "customer_b", "l1", "l2", "l2_commercial", "l3", "supervisor", "billing")
NOBODY: frozenset[str] = frozenset()
EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
CUSTOMERS = frozenset({"customer_a", "customer_b"})
A = frozenset({"customer_a"})
STAFF = LOGGED_IN - CUSTOMERS
SUPERVISOR = frozenset({"supervisor"})
BILLING = frozenset({"supervisor", "billing"})
TRIAGE_STAFF = frozenset({"l1", "l2", "l2_commercial", "supervisor"})  # who moves tickets between levels
COMMERCIAL = frozenset({"l2_commercial", "supervisor"})  # who drafts and sends quotes
SCHEDULERS = frozenset({"l2_commercial", "l3", "supervisor", "billing"})  # who schedules a paid intervention


@dataclass(frozen=True)
class Rule:
    method: str
    path: str | None
    allow: frozenset[str]
    kind: str = "session"  # "session", "bearer" or "signed"
    body: Any = field(default=None)
    answers_503: bool = False  # a health check: 503 is an answer, not a failure


def bearer(method: str, path: str | None, allow: frozenset[str], body: Any = None) -> Rule:
    return Rule(method, path, allow, kind="bearer", body=body)


def signed(method: str, path: str) -> Rule:
    return Rule(method, path, NOBODY, kind="signed")


ACCESS: dict[str, Rule] = {
    # roof
    "home": Rule("GET", "/", LOGGED_IN),
    "health": Rule("GET", "/health/", EVERYONE),
    "health-work": Rule("GET", "/health/work/", STAFF, answers_503=True),  # 503: work is late
    "metrics": Rule("GET", "/metrics", STAFF),  # and the health token, for Prometheus
    # accounts
    "accounts:login": Rule("GET", "/accounts/login/", EVERYONE),
    "accounts:login_code": Rule("GET", "/accounts/login/code/", NOBODY),  # without a login under way: to login
    "accounts:logout": Rule("POST", "/accounts/logout/", NOBODY),  # everyone ends on the login page
    "accounts:set_language": Rule("POST", "/accounts/language/", EVERYONE),
    "accounts:security": Rule("GET", "/accounts/security/", LOGGED_IN),
    "accounts:password_reset": Rule("GET", "/accounts/password/reset/", EVERYONE),
    "accounts:password_reset_done": Rule("GET", "/accounts/password/reset/sent/", EVERYONE),
    "accounts:password_reset_confirm": Rule("GET", "/accounts/password/reset/MQ/not-a-token/", EVERYONE),
    "accounts:password_reset_complete": Rule("GET", "/accounts/password/reset/done/", EVERYONE),
    # the customer's Manager
    "portal:home": Rule("GET", "/manager/", EVERYONE),  # a plain redirect to /manager/products/
    "portal:products": Rule("GET", "/manager/products/", CUSTOMERS),
    "portal:support": Rule("GET", "/manager/support/", CUSTOMERS),
    "portal:incident_new": Rule("GET", "/manager/support/incident/new/", CUSTOMERS),
    "portal:assistance_new": Rule("GET", "/manager/support/assistance/new/", CUSTOMERS),
    "portal:ticket": Rule("GET", "/manager/support/tickets/{ticket}/", A),
    "portal:ticket_reply": Rule("POST", "/manager/support/tickets/{ticket}/reply/", A),
    "portal:ticket_close": Rule("POST", "/manager/support/tickets/{ticket}/close/", A),
    "portal:ticket_reopen": Rule("POST", "/manager/support/tickets/{ticket}/reopen/", A),
    "portal:ticket_score": Rule("POST", "/manager/support/tickets/{ticket}/score/", A),
    "portal:attachment": Rule("GET", "/manager/support/tickets/{ticket}/attachments/{attachment}/", A),
    # the account's contacts, managed by its owner (customers A and B each own their organisation);
    # ``{person}`` is customer A herself
    "portal:contacts": Rule("GET", "/manager/contacts/", CUSTOMERS),
    "portal:contact_new": Rule("GET", "/manager/contacts/new/", CUSTOMERS),
    "portal:contact_edit": Rule("GET", "/manager/contacts/{person}/", A),
    "portal:contact_active": Rule("POST", "/manager/contacts/{person}/active/", A),
    # a person's data: their own exports; staff on a customer's behalf
    "privacy:mine": Rule("GET", "/privacy/", LOGGED_IN),
    "privacy:download": Rule("GET", None, A),  # an export exists once its task ran: privacy/tests/test_privacy.py
    "privacy:person": Rule("GET", "/privacy/people/{person}/", STAFF),
    # the agents' console
    "console:queue": Rule("GET", "/console/", STAFF),
    "console:bulk": Rule("POST", "/console/bulk/", STAFF),
    "console:ticket": Rule("GET", "/console/tickets/{ticket}/", STAFF),
    "console:sla_report": Rule("GET", "/console/sla/", STAFF),
    "console:ticket_action": Rule("POST", "/console/tickets/{ticket}/do/", STAFF),
    "console:attachment": Rule("GET", "/console/attachments/{attachment}/", STAFF),
    "console:phone_lines": Rule("GET", "/console/phone/", STAFF),
    "console:phone": Rule("GET", "/console/phone/1/", STAFF),
    "console:phone_call": Rule("GET", "/console/phone/1/call/", STAFF),
    "console:cti_event": signed("POST", "/console/cti/events/"),
    "console:search": Rule("GET", "/console/search/?q=servidor", STAFF),
    "console:dashboard": Rule("GET", "/console/dashboard/", SUPERVISOR),
    # automations (supervisors write the rules)
    "automations:list": Rule("GET", "/console/automations/", SUPERVISOR),
    "automations:new": Rule("GET", "/console/automations/new/", SUPERVISOR),
    "automations:edit": Rule("GET", "/console/automations/0/", NOBODY),  # 404 for the supervisor: no rule 0
    # guides
    "guides:index": Rule("GET", "/guides/", EVERYONE),
    "guides:suggest": Rule("GET", "/guides/suggest/?q=ping", EVERYONE),
    "guides:article": Rule("GET", "/guides/no-such-article/", NOBODY),  # 404 for all: no article loaded
    # triage
    "triage:monitoring_alerts": signed("POST", "/triage/monitoring/alerts"),
    "triage:ticket": Rule("GET", "/triage/tickets/{ticket}/", STAFF),
    "triage:rerun": Rule("POST", "/triage/tickets/{ticket}/rerun/", STAFF),
    "triage:override": Rule("POST", "/triage/tickets/{ticket}/runs/1/override/", NOBODY),  # 404: no run 1
    "triage:flagged": Rule("GET", "/triage/flagged/", STAFF),
    "triage:outages": Rule("GET", "/triage/outages/", STAFF),
    "triage:outage": Rule("GET", "/triage/outages/1/", NOBODY),  # 404 for all: no outage
    # infogerencia (level 3)
    "infogerencia:customer_home": Rule("GET", "/infogerencia/manager/", CUSTOMERS),
    "infogerencia:customer_quote": Rule("GET", "/infogerencia/manager/quotes/{quote}/", A),
    "infogerencia:customer_accept": Rule("POST", "/infogerencia/manager/quotes/{quote}/accept/", A),
    "infogerencia:customer_reject": Rule("POST", "/infogerencia/manager/quotes/{quote}/reject/", A),
    # No payment provider is configured in the tests: 404 for all (A's quote is checked above).
    "infogerencia:customer_pay": Rule("POST", "/infogerencia/manager/quotes/{quote}/pay/manual/", NOBODY),
    "infogerencia:quote_pdf": Rule("GET", "/infogerencia/quotes/{quote}/pdf/", A | STAFF),
    "infogerencia:invoice_pdf": Rule("GET", "/infogerencia/invoices/{invoice}/pdf/", A | STAFF),
    "infogerencia:staff_home": Rule("GET", "/infogerencia/console/", STAFF),
    "infogerencia:staff_draft": Rule("POST", "/infogerencia/console/tickets/{ticket}/quote/", STAFF),
    "infogerencia:staff_quote": Rule("GET", "/infogerencia/console/quotes/{quote}/", STAFF),
    "infogerencia:staff_add_line": Rule("POST", "/infogerencia/console/quotes/{quote}/lines/", STAFF),
    "infogerencia:staff_remove_line": Rule(
        "POST", "/infogerencia/console/quotes/{quote}/lines/{line}/remove/", COMMERCIAL
    ),
    "infogerencia:staff_terms": Rule("POST", "/infogerencia/console/quotes/{quote}/terms/", STAFF),
    "infogerencia:staff_send": Rule("POST", "/infogerencia/console/quotes/{quote}/send/", COMMERCIAL),
    "infogerencia:staff_confirm_payment": Rule("POST", "/infogerencia/console/quotes/{quote}/payment/", STAFF),
    "infogerencia:staff_schedule": Rule("POST", "/infogerencia/console/quotes/{quote}/schedule/", SCHEDULERS),
    "infogerencia:staff_move": Rule("POST", "/infogerencia/console/quotes/{quote}/move/", STAFF),
    "infogerencia:staff_report": Rule("POST", "/infogerencia/console/quotes/{quote}/report/", STAFF),
    "infogerencia:staff_done": Rule("POST", "/infogerencia/console/quotes/{quote}/done/", STAFF),
    "infogerencia:staff_refund": Rule("POST", "/infogerencia/console/quotes/{quote}/refund/", STAFF),
    "infogerencia:staff_credit_note": Rule("POST", "/infogerencia/console/invoices/{invoice}/credit-note/", STAFF),
    "infogerencia:staff_statements": Rule("GET", "/infogerencia/console/statements/", BILLING),
    "infogerencia:staff_resolve_credit": Rule(
        "POST", "/infogerencia/console/statements/credits/1/resolve/", NOBODY
    ),  # 404 for billing: no credit 1
    "infogerencia:payment_webhook": signed("POST", "/infogerencia/payments/webhook/"),
    "infogerencia:provider_webhook": signed("POST", "/infogerencia/payments/stripe/webhook/"),
    # notifications
    "notifications:preferences": Rule("GET", "/notifications/preferences/", STAFF),
    # api pages
    "api:api_not_found": Rule("GET", "/api/v1/nothing-here", NOBODY),
    "api:tokens": Rule("GET", "/api/tokens/", LOGGED_IN),
    "api:revoke_token": Rule("POST", "/api/tokens/{token_id}/revoke/", NOBODY),  # 404 for all: nobody's token
    "api:revoke_consumer_key": Rule("POST", "/api/keys/0/revoke/", NOBODY),
    "api:create_application": Rule("POST", "/api/applications/", LOGGED_IN),
    "api:delete_application": Rule("POST", "/api/applications/0/delete/", NOBODY),
    "api:validate_credential": Rule("GET", "/api/credentials/{credential}/", LOGGED_IN),
    "api:ovh": Rule("GET", "/1.0/support/tickets", NOBODY),  # signed calls only: test_ovh_client covers roles
    # REST v1
    "api:v1:openapi-json": Rule("GET", "/api/v1/openapi.json", EVERYONE),
    "api:v1:openapi-view": Rule("GET", "/api/v1/docs", EVERYONE),
    "api:v1:api-root": Rule("GET", None, NOBODY),  # ninja's root name; /api/v1/ answers 404 JSON
    "api:v1:ping": bearer("GET", "/api/v1/ping", EVERYONE),
    "api:v1:list_tickets": bearer("GET", "/api/v1/tickets", LOGGED_IN),
    "api:v1:create_ticket": bearer("POST", "/api/v1/tickets", LOGGED_IN, {}),
    "api:v1:read_ticket": bearer("GET", "/api/v1/tickets/{ticket}", A | STAFF),
    "api:v1:list_messages": bearer("GET", "/api/v1/tickets/{ticket}/messages", A | STAFF),
    "api:v1:reply": bearer("POST", "/api/v1/tickets/{ticket}/messages", A | STAFF, {"body": "x"}),
    "api:v1:reply_with_files": bearer("POST", "/api/v1/tickets/{ticket}/messages/upload", A | STAFF, "multipart"),
    "api:v1:download_attachment": bearer("GET", "/api/v1/tickets/{ticket}/attachments/{attachment_id}", A | STAFF),
    "api:v1:close": bearer("POST", "/api/v1/tickets/{ticket}/close", A | STAFF, {}),
    "api:v1:reopen": bearer("POST", "/api/v1/tickets/{ticket}/reopen", A | STAFF, {"reason": "x"}),
    "api:v1:score": bearer("POST", "/api/v1/tickets/{ticket}/score", A, {"score": 5}),
    "api:v1:transfer": bearer(
        "POST", "/api/v1/tickets/{ticket}/transfer", TRIAGE_STAFF, {"move": "not_an_incident", "reason": "x"}
    ),
    "api:v1:list_services": bearer("GET", "/api/v1/services", LOGGED_IN),
    "api:v1:list_levels": bearer("GET", "/api/v1/levels", LOGGED_IN),
    "api:v1:list_categories": bearer("GET", "/api/v1/categories", LOGGED_IN),
    "api:v1:list_quotes": bearer("GET", "/api/v1/quotes", LOGGED_IN),
    "api:v1:read_quote": bearer("GET", "/api/v1/quotes/{quote}", A | STAFF),
    "api:v1:quote_pdf": bearer("GET", "/api/v1/quotes/{quote}/pdf", A | STAFF),
    "api:v1:accept_quote": bearer("POST", "/api/v1/quotes/{quote}/accept", A, {}),
    "api:v1:reject_quote": bearer("POST", "/api/v1/quotes/{quote}/reject", A, {"reason": "x"}),
    "api:v1:list_invoices": bearer("GET", "/api/v1/invoices", LOGGED_IN),
    "api:v1:read_invoice": bearer("GET", "/api/v1/invoices/{invoice}", A | STAFF),
    "api:v1:invoice_pdf": bearer("GET", "/api/v1/invoices/{invoice}/pdf", A | STAFF),
    "api:v1:search_guides": bearer("GET", "/api/v1/guides?q=ping", LOGGED_IN),
    # provisioning: the provider's integrations (a supervisor's provisioning token)
    "api:v1:provision_organisations": bearer("POST", "/api/v1/provisioning/organisations", NOBODY, {"items": []}),
    "api:v1:provision_contacts": bearer("POST", "/api/v1/provisioning/contacts", NOBODY, {"items": []}),
    "api:v1:provision_services": bearer("POST", "/api/v1/provisioning/services", NOBODY, {"items": []}),
}
