"""The OVH-compatible API under ``/1.0/`` (and ``/v1/``): what the official ``ovh`` client needs.

``GET /auth/time``, ``POST /auth/credential``, ``GET /me/supportLevel`` and the nine
``/support/tickets`` operations of OVH's public schema, with its field names, enums and error
shapes. Authentication is OVH's: application key and secret, a consumer key validated by the
customer, and the ``$1$`` signature over the public URL exactly as the client built it.

Plain Django views: the bytes of the signature and of every answer matter more than a
framework. Every answer has a JSON body (``null`` for the void operations), because the client
raises ``InvalidResponse`` on an empty one.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from accounts.models import User
from api import actions as api_actions
from api import ratelimit
from api.models import ConsumerKey, CredentialState, OvhApplication
from core import netaddr
from core.signing import verify_ovh_signature
from levels.models import Category, LevelCode, TicketKind
from services.queries import service_of
from sla import plans
from tickets import actions, queries
from tickets.errors import ActionRefused, Forbidden, InvalidInput, NotFound
from tickets.models import ACTIVE_STATUSES, Channel, Sender, Status, Ticket

logger = logging.getLogger(__name__)

CATEGORIES = ("assistance", "billing", "incident")
SUBCATEGORIES = ("alerts", "autorenew", "bill", "down", "inProgress", "new", "other", "perfs", "start", "usage")
PRODUCTS = (
    "adsl", "cdn", "dedicated", "dedicated-billing", "dedicated-other", "dedicatedcloud", "domain", "exchange",
    "fax", "hosting", "housing", "iaas", "mail", "network", "publiccloud", "sms", "ssl", "storage",
    "telecom-billing", "telecom-other", "vac", "voip", "vps", "web-billing", "web-other",
)  # fmt: skip
STATUSES = ("closed", "open", "unknown")
TYPES = ("criticalIntervention", "genericRequest")
IMPACT_URGENCY = ("high", "low", "medium")
MAX_IDS = 1000
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")

# incident → L1 (the type follows the product), assistance → L2 technical, billing → L2 commercial.
INCIDENT_BY_PRODUCT = {
    "dedicated": "server_no_ping",
    "vps": "server_no_ping",
    "dedicatedcloud": "server_no_ping",
    "publiccloud": "server_no_ping",
    "housing": "server_no_ping",
    "hosting": "hosting_unreachable",
    "mail": "mail_cannot_send",
    "exchange": "mail_cannot_send",
    "domain": "domain_dns_failure",
}
FALLBACK_CATEGORY = {"incident": "incident_other", "assistance": "technical_other", "billing": "billing"}


class OvhError(Exception):
    """An answer in OVH's error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        cls: str | None = None,
        error_code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.cls = cls or {
            400: "Client::BadRequest",
            403: "Client::Forbidden",
            404: "Client::NotFound",
            405: "Client::MethodNotAllowed",
            409: "Client::Conflict",
            413: "Client::RequestEntityTooLarge",
            429: "Client::TooManyRequests",
        }.get(status, "Server::InternalServerError")
        self.error_code = error_code
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"class": self.cls, "message": self.message}
        if self.error_code:
            reason = {400: "Bad Request", 403: "Forbidden"}.get(self.status, "")
            body.update(errorCode=self.error_code, httpCode=f"{self.status} {reason}".strip())
        return body


def _respond(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False).encode("utf-8"),
        status=status,
        content_type="application/json; charset=utf-8",
    )
    response["X-OVH-QUERYID"] = f"TD.ext-{secrets.token_hex(6)}"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _stamp(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


# --- authentication ------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    user: User
    key: ConsumerKey


def _rule_matches(rule: dict[str, str], method: str, path: str) -> bool:
    if rule.get("method") != method:
        return False
    pattern = "^" + ".*".join(re.escape(part) for part in rule.get("path", "").split("*")) + "$"
    return re.match(pattern, path) is not None


def _signed_url(request: HttpRequest) -> str:
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    if not (isinstance(raw, str) and raw.startswith("/")):
        raw = request.get_full_path()
    return str(settings.OVH_API_BASE) + raw


def _application(request: HttpRequest) -> OvhApplication:
    key = request.headers.get("X-Ovh-Application", "").strip()
    application = OvhApplication.objects.filter(application_key=key, active=True).order_by().first() if key else None
    if application is None:
        raise OvhError(403, "Invalid application key", error_code="INVALID_KEY")
    return application


def authenticate(request: HttpRequest, method: str, path: str, *, check_rules: bool = True) -> Caller:
    application = _application(request)
    consumer = request.headers.get("X-Ovh-Consumer", "").strip()
    if not consumer:
        raise OvhError(403, "You must login first", error_code="NOT_CREDENTIAL")
    key = (
        ConsumerKey.objects.select_related("user", "user__organisation", "application")
        .filter(digest=api_actions.digest(consumer), application=application)
        .order_by()
        .first()
    )
    if key is None:
        raise OvhError(403, "This credential does not exist", error_code="INVALID_CREDENTIAL")
    stamp = request.headers.get("X-Ovh-Timestamp", "").strip()
    now = int(time.time())
    if not stamp.isdigit() or abs(now - int(stamp)) > settings.OVH_TIMESTAMP_TOLERANCE:
        raise OvhError(400, "Query out of time", error_code="QUERY_TIME_OUT")
    if not verify_ovh_signature(
        application.application_secret,
        consumer,
        method,
        _signed_url(request),
        request.body,
        stamp,
        request.headers.get("X-Ovh-Signature"),
    ):
        raise OvhError(400, "Invalid signature", error_code="INVALID_SIGNATURE")
    moment = timezone.now()
    if key.state != CredentialState.VALIDATED or key.user is None or not key.user.is_active:
        raise OvhError(403, "This credential is not valid", error_code="INVALID_CREDENTIAL")
    if key.expires_at is not None and key.expires_at <= moment:
        raise OvhError(403, "This credential is not valid", error_code="INVALID_CREDENTIAL")
    if not api_actions.address_allowed(key, netaddr.client_address(request)):
        raise OvhError(403, "This call is not allowed from your IP address", error_code="FORBIDDEN")
    if check_rules and not any(_rule_matches(rule, method, path) for rule in key.rules):
        raise OvhError(403, "This call has not been granted", error_code="NOT_GRANTED_CALL")
    verdict = ratelimit.hit(
        f"ck:{key.pk}", limit=settings.API_RATE_LIMIT, window_seconds=settings.API_RATE_WINDOW_SECONDS, now=moment
    )
    if not verdict.allowed:
        raise OvhError(
            429,
            f"Too many requests, retry in {verdict.retry_after} s",
            headers={"Retry-After": str(verdict.retry_after)},
        )
    api_actions.touch(ConsumerKey, key.pk, key.last_used_at, moment)
    return Caller(user=key.user, key=key)


# --- inputs --------------------------------------------------------------------------------


def _body(request: HttpRequest) -> dict[str, Any]:
    raw = request.body
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise OvhError(400, "Invalid JSON received") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise OvhError(400, "Invalid JSON received: an object is expected")
    return data


def _string(data: dict[str, Any], name: str, *, required: bool = False, maximum: int = 50_000) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise OvhError(400, f"Missing parameter {name}")
        return None
    if not isinstance(value, str):
        raise OvhError(400, f"Invalid type for parameter {name}: a string is expected")
    if "\x00" in value or len(value) > maximum:
        raise OvhError(400, f"Invalid value for parameter {name}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise OvhError(400, f"Invalid value for parameter {name}") from None
    return value


def _enum(value: str | None, name: str, allowed: tuple[str, ...]) -> str | None:
    if value is not None and value not in allowed:
        raise OvhError(400, f"Invalid value for parameter {name}: {value[:40]} is not one of {', '.join(allowed)}")
    return value


def _query(request: HttpRequest, name: str) -> str | None:
    value = request.GET.get(name)
    if value is None or value == "null":
        return None
    if "\x00" in value or len(value) > 500:
        raise OvhError(400, f"Invalid value for parameter {name}")
    return value


def _boolean(request: HttpRequest, name: str) -> bool | None:
    value = _query(request, name)
    if value is None:
        return None
    if value in {"true", "false"}:
        return value == "true"
    raise OvhError(400, f"Invalid value for parameter {name}: a boolean is expected")


def _integer(request: HttpRequest, name: str, *, minimum: int, maximum: int) -> int | None:
    value = _query(request, name)
    if value is None:
        return None
    if not value.isdigit() or not minimum <= int(value) <= maximum:
        raise OvhError(400, f"Invalid value for parameter {name}: a number from {minimum} to {maximum} is expected")
    return int(value)


def _date(request: HttpRequest, name: str) -> datetime | None:
    value = _query(request, name)
    if value is None:
        return None
    try:
        moment = parse_datetime(value.replace(" ", "+"))
        if moment is None:
            day = parse_date(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise OvhError(400, f"Invalid value for parameter {name}: a date-time is expected")
    try:
        return moment.astimezone(UTC) if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)
    except (OverflowError, ValueError):
        raise OvhError(400, f"Invalid value for parameter {name}: out of range") from None


# --- rendering -----------------------------------------------------------------------------


def _sender(sender: str) -> str:
    return "customer" if sender == Sender.CUSTOMER else "support"


def ticket_out(ticket: Ticket) -> dict[str, Any]:
    product = ticket.service.product if ticket.service else None
    return {
        "accountId": ticket.requester.username if ticket.requester else ticket.organisation.name,
        "canBeClosed": ticket.status != Status.CLOSED,
        "category": ticket.category.ovh_category if ticket.category else None,
        "creationDate": _stamp(ticket.created_at),
        "lastMessageFrom": _sender(ticket.last_message_from),
        "product": product if product in PRODUCTS else None,
        "score": str(ticket.score) if ticket.score else "",
        "serviceName": ticket.service.reference if ticket.service else None,
        "state": "closed" if ticket.status == Status.CLOSED else "open",
        "subject": ticket.subject,
        "ticketId": ticket.pk,
        "ticketNumber": ticket.number,
        "type": "genericRequest",
        "updateDate": _stamp(ticket.updated_at),
    }


# --- operations ----------------------------------------------------------------------------


def auth_time(request: HttpRequest, caller: None) -> Any:
    return int(time.time())


def auth_credential(request: HttpRequest, caller: None) -> Any:
    application = _application(request)
    data = _body(request)
    if "accessRules" not in data:
        raise OvhError(400, "Missing parameter accessRules")
    new = api_actions.request_consumer_key(
        application=application,
        rules=data.get("accessRules"),
        redirection=data.get("redirection"),
        allowed_ips=data.get("allowedIPs"),
    )
    url = settings.PUBLIC_URL + reverse("api:validate_credential", kwargs={"token": new.key.validation_token})
    return {"consumerKey": new.consumer_key, "state": CredentialState.PENDING.value, "validationUrl": url}


def support_level(request: HttpRequest, caller: Caller) -> Any:
    """The caller's organisation's support plan, by the name OVH's API gives it."""
    plan = plans.plan_for(caller.user.organisation_id)
    return {"level": plan.ovh_level if plan is not None else "standard"}


def _tickets(caller: Caller) -> QuerySet[Ticket]:
    return queries.visible_tickets(caller.user)


def list_tickets(request: HttpRequest, caller: Caller) -> Any:
    items = _tickets(caller)
    archived = _boolean(request, "archived")
    if archived is not None:
        items = items.filter(status=Status.CLOSED) if archived else items.exclude(status=Status.CLOSED)
    category = _enum(_query(request, "category"), "category", CATEGORIES)
    if category:
        items = items.filter(category__ovh_category=category)
    reply_needed = _boolean(request, "customerReplyNeeded")
    if reply_needed is not None:
        waiting = Q(status=Status.WAITING_CUSTOMER) | Q(status__in=ACTIVE_STATUSES, last_message_from=Sender.SUPPORT)
        items = items.filter(waiting) if reply_needed else items.exclude(waiting)
    if _boolean(request, "excludeAutogenerated"):
        items = items.exclude(channel=Channel.MONITORING)
    newest = _date(request, "maxCreationDate")
    if newest:
        items = items.filter(created_at__lte=newest)
    oldest = _date(request, "minCreationDate")
    if oldest:
        items = items.filter(created_at__gte=oldest)
    product = _enum(_query(request, "product"), "product", PRODUCTS)
    if product:
        items = items.filter(service__product=product)
    service_name = _query(request, "serviceName")
    if service_name:
        items = items.filter(service__reference=service_name.strip().lower())
    status = _enum(_query(request, "status"), "status", STATUSES)
    if status == "open":
        items = items.exclude(status=Status.CLOSED)
    elif status == "closed":
        items = items.filter(status=Status.CLOSED)
    elif status == "unknown":
        items = items.none()
    subject = _query(request, "subject")
    if subject:
        items = items.filter(subject__icontains=subject)
    number = _query(request, "ticketNumber")
    if number is not None:
        if not number.isdigit() or len(number) > 18:
            raise OvhError(400, "Invalid value for parameter ticketNumber")
        items = items.filter(number=int(number))
    page_size = _integer(request, "pageSize", minimum=1, maximum=MAX_IDS)
    page = _integer(request, "page", minimum=1, maximum=10**6)
    ids = items.order_by("-id").values_list("id", flat=True)
    if page_size:
        start = ((page or 1) - 1) * page_size
        return list(ids[start : start + page_size])
    return list(ids[:MAX_IDS])


def _category_for(category: str, product: str | None) -> Category:
    code = FALLBACK_CATEGORY[category]
    if category == "incident" and product in INCIDENT_BY_PRODUCT:
        code = INCIDENT_BY_PRODUCT[product]
    found = Category.objects.select_related("level", "team").filter(code=code, active=True).order_by().first()
    if found is None:  # the administrator renamed or retired it: any active category of the right kind
        kind, level = {
            "incident": (TicketKind.INCIDENT, LevelCode.L1),
            "assistance": (TicketKind.ASSISTANCE_TECHNICAL, LevelCode.L2),
            "billing": (TicketKind.ASSISTANCE_COMMERCIAL, LevelCode.L2),
        }[category]
        found = (
            Category.objects.select_related("level", "team")
            .filter(kind=kind, level__code=level, active=True)
            .order_by("order", "code")
            .first()
        )
    if found is None:
        raise OvhError(400, f"Category {category} is not available")
    return found


def create_ticket(request: HttpRequest, caller: Caller) -> Any:
    data = _body(request)
    subject = _string(data, "subject", required=True, maximum=200) or ""
    body = _string(data, "body", required=True) or ""
    category = _enum(_string(data, "category"), "category", CATEGORIES) or "assistance"
    _enum(_string(data, "subcategory"), "subcategory", SUBCATEGORIES)
    product = _enum(_string(data, "product"), "product", PRODUCTS)
    kind = _enum(_string(data, "type"), "type", TYPES)
    _enum(_string(data, "urgency"), "urgency", IMPACT_URGENCY)
    _enum(_string(data, "impact"), "impact", IMPACT_URGENCY)
    watchers = data.get("watchers")
    if watchers is not None and (
        not isinstance(watchers, list)
        or len(watchers) > 10
        or not all(isinstance(w, str) and EMAIL.match(w) for w in watchers)
    ):
        raise OvhError(400, "Invalid value for parameter watchers: at most 10 e-mail addresses")
    if kind == "criticalIntervention":
        raise OvhError(403, "criticalIntervention requires VIP support level", error_code="FORBIDDEN")
    service = None
    service_name = _string(data, "serviceName", maximum=255)
    if service_name:
        service = service_of(caller.user.organisation_id, service_name)
        if service is None:
            raise OvhError(404, f"The requested object (serviceName = {service_name[:255]}) does not exist")
        product = product or service.product
    ticket = actions.open_ticket(
        organisation=caller.user.organisation,  # type: ignore[arg-type]
        requester=caller.user,
        service=service,
        category=_category_for(category, product),
        subject=subject,
        body=body,
        channel=Channel.API,
        actor=caller.user,
    )
    first = ticket.messages.order_by("id").values_list("id", flat=True).first()
    return {"ticketId": ticket.pk, "ticketNumber": ticket.number, "messageId": first, "additionalNotice": None}


def _ticket(caller: Caller, ticket_id: str) -> Ticket:
    try:
        return queries.get_ticket_for(caller.user, ticket_id)
    except Http404:
        raise OvhError(404, f"The requested object (ticketId = {ticket_id}) does not exist") from None


def get_ticket(request: HttpRequest, caller: Caller, ticket_id: str) -> Any:
    return ticket_out(_ticket(caller, ticket_id))


def get_messages(request: HttpRequest, caller: Caller, ticket_id: str) -> Any:
    ticket = _ticket(caller, ticket_id)
    return [
        {
            "body": message.body,
            "creationDate": _stamp(message.created_at),
            "from": _sender(message.sender),
            "messageId": message.pk,
            "ticketId": ticket.pk,
            "updateDate": _stamp(message.created_at),
        }
        for message in queries.conversation(ticket, caller.user)
    ]


def reply(request: HttpRequest, caller: Caller, ticket_id: str) -> Any:
    data = _body(request)
    body = _string(data, "body", required=True) or ""
    actions.reply(_ticket(caller, ticket_id), actor=caller.user, body=body, channel=Channel.API)
    return None


def close(request: HttpRequest, caller: Caller, ticket_id: str) -> Any:
    actions.close_ticket(_ticket(caller, ticket_id), actor=caller.user)
    return None


def reopen(request: HttpRequest, caller: Caller, ticket_id: str) -> Any:
    data = _body(request)
    body = _string(data, "body", required=True, maximum=2000) or ""
    actions.reopen_ticket(_ticket(caller, ticket_id), actor=caller.user, reason=body)
    return None


def score(request: HttpRequest, caller: Caller, ticket_id: str) -> Any:
    data = _body(request)
    raw = data.get("score")
    if raw is None:
        raise OvhError(400, "Missing parameter score")
    text = str(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    if text not in {"1", "2", "3", "4", "5"}:
        raise OvhError(400, "Invalid value for parameter score: 1 to 5")
    comment = _string(data, "scoreComment", maximum=2000) or ""
    actions.score_ticket(_ticket(caller, ticket_id), actor=caller.user, score=int(text), comment=comment)
    return None


def can_be_scored(request: HttpRequest, caller: Caller, ticket_id: str) -> Any:
    return actions.can_be_scored(_ticket(caller, ticket_id), caller.user)


# --- credentials: /auth/* and /me/api/* ---------------------------------------------------------


def credential_out(key: ConsumerKey) -> dict[str, Any]:
    """``auth.ApiCredential``."""
    status = key.state
    if status == CredentialState.VALIDATED and key.expires_at is not None and key.expires_at <= timezone.now():
        status = CredentialState.EXPIRED
    return {
        "allowedIPs": list(key.allowed_ips) or None,
        "applicationId": key.application_id,
        "creation": _stamp(key.created_at),
        "credentialId": key.pk,
        "expiration": _stamp(key.expires_at),
        "lastUse": _stamp(key.last_used_at),
        "ovhSupport": False,
        "rules": [{"method": rule["method"], "path": rule["path"]} for rule in key.rules],
        "status": str(status),
    }


def application_out(application: OvhApplication) -> dict[str, Any]:
    """``api.Application``."""
    return {
        "applicationId": application.pk,
        "applicationKey": application.application_key,
        "description": application.description,
        "name": application.name,
        "status": "active" if application.active else "blocked",
    }


def current_credential(request: HttpRequest, caller: Caller) -> Any:
    return credential_out(caller.key)


def auth_details(request: HttpRequest, caller: Caller) -> Any:
    """``auth.Details``: who the key acts as."""
    return {
        "account": caller.user.username,
        "allowedRoutes": [{"method": rule["method"], "path": rule["path"]} for rule in caller.key.rules],
        "description": caller.key.application.name,
        "identities": [f"urn:v1:eu:identity:account:{caller.user.username}"],
        "method": "account",
        "roles": [],
        "user": None,
    }


def logout(request: HttpRequest, caller: Caller) -> Any:
    api_actions.revoke_consumer_key(caller.key, actor=caller.user)
    return None


def _credentials(caller: Caller) -> QuerySet[ConsumerKey]:
    return ConsumerKey.objects.select_related("application").filter(user=caller.user)


def _credential(caller: Caller, credential_id: str) -> ConsumerKey:
    key = _credentials(caller).filter(pk=int(credential_id)).first()
    if key is None:
        raise OvhError(404, f"The requested object (credentialId = {credential_id}) does not exist")
    return key


def list_credentials(request: HttpRequest, caller: Caller) -> Any:
    items = _credentials(caller)
    application_id = _integer(request, "applicationId", minimum=1, maximum=2**62)
    if application_id is not None:
        items = items.filter(application_id=application_id)
    status = _enum(_query(request, "status"), "status", tuple(CredentialState.values))
    if status:
        items = items.filter(state=status)
    return list(items.order_by("id").values_list("id", flat=True)[:MAX_IDS])


def get_credential(request: HttpRequest, caller: Caller, credential_id: str) -> Any:
    return credential_out(_credential(caller, credential_id))


def delete_credential(request: HttpRequest, caller: Caller, credential_id: str) -> Any:
    api_actions.revoke_consumer_key(_credential(caller, credential_id), actor=caller.user)
    return None


def credential_application(request: HttpRequest, caller: Caller, credential_id: str) -> Any:
    return application_out(_credential(caller, credential_id).application)


def _applications(caller: Caller) -> QuerySet[OvhApplication]:
    """The applications the customer created, and those holding one of their keys."""
    return OvhApplication.objects.filter(Q(owner=caller.user) | Q(consumer_keys__user=caller.user)).distinct()


def _application_of(caller: Caller, application_id: str) -> OvhApplication:
    application = _applications(caller).filter(pk=int(application_id)).first()
    if application is None:
        raise OvhError(404, f"The requested object (applicationId = {application_id}) does not exist")
    return application


def list_applications(request: HttpRequest, caller: Caller) -> Any:
    return list(_applications(caller).order_by("id").values_list("id", flat=True)[:MAX_IDS])


def get_application(request: HttpRequest, caller: Caller, application_id: str) -> Any:
    return application_out(_application_of(caller, application_id))


def delete_application(request: HttpRequest, caller: Caller, application_id: str) -> Any:
    application = _application_of(caller, application_id)
    if application.owner_id != caller.user.pk:
        raise OvhError(403, "Only the application's creator can delete it", error_code="FORBIDDEN")
    api_actions.delete_application(application, actor=caller.user)
    return None


Handler = Callable[..., Any]
ROUTES: list[tuple[str, re.Pattern[str], Handler, bool]] = [
    ("GET", re.compile(r"/auth/time"), auth_time, False),
    ("POST", re.compile(r"/auth/credential"), auth_credential, False),
    ("GET", re.compile(r"/auth/currentCredential"), current_credential, True),
    ("GET", re.compile(r"/auth/details"), auth_details, True),
    ("POST", re.compile(r"/auth/logout"), logout, True),
    ("GET", re.compile(r"/me/api/credential"), list_credentials, True),
    ("GET", re.compile(r"/me/api/credential/(?P<credential_id>[0-9]{1,18})"), get_credential, True),
    ("DELETE", re.compile(r"/me/api/credential/(?P<credential_id>[0-9]{1,18})"), delete_credential, True),
    (
        "GET",
        re.compile(r"/me/api/credential/(?P<credential_id>[0-9]{1,18})/application"),
        credential_application,
        True,
    ),
    ("GET", re.compile(r"/me/api/application"), list_applications, True),
    ("GET", re.compile(r"/me/api/application/(?P<application_id>[0-9]{1,18})"), get_application, True),
    ("DELETE", re.compile(r"/me/api/application/(?P<application_id>[0-9]{1,18})"), delete_application, True),
    ("GET", re.compile(r"/me/supportLevel"), support_level, True),
    ("GET", re.compile(r"/support/tickets"), list_tickets, True),
    ("POST", re.compile(r"/support/tickets/create"), create_ticket, True),
    ("GET", re.compile(r"/support/tickets/(?P<ticket_id>[0-9]{1,18})"), get_ticket, True),
    ("GET", re.compile(r"/support/tickets/(?P<ticket_id>[0-9]{1,18})/messages"), get_messages, True),
    ("POST", re.compile(r"/support/tickets/(?P<ticket_id>[0-9]{1,18})/reply"), reply, True),
    ("POST", re.compile(r"/support/tickets/(?P<ticket_id>[0-9]{1,18})/close"), close, True),
    ("POST", re.compile(r"/support/tickets/(?P<ticket_id>[0-9]{1,18})/reopen"), reopen, True),
    ("POST", re.compile(r"/support/tickets/(?P<ticket_id>[0-9]{1,18})/score"), score, True),
    ("GET", re.compile(r"/support/tickets/(?P<ticket_id>[0-9]{1,18})/canBeScored"), can_be_scored, True),
]

_REFUSAL_STATUS = {InvalidInput: 400, NotFound: 404, Forbidden: 403}
# What a key may call whatever its access rules, as at OVH: about itself, and to log out.
RULE_FREE = {current_credential, auth_details, logout}
# Calls without credentials, limited per client address.
ANONYMOUS = {auth_time, auth_credential}


def _limit_anonymous(request: HttpRequest) -> None:
    """``/auth/time`` and ``/auth/credential`` answer anyone: at most the anonymous limit per address."""
    verdict = ratelimit.hit(
        f"ovh-anonymous:{netaddr.client_address(request) or 'unknown'}",
        limit=settings.API_RATE_LIMIT_ANONYMOUS,
        window_seconds=settings.API_RATE_WINDOW_SECONDS,
        now=timezone.now(),
    )
    if not verdict.allowed:
        raise OvhError(
            429,
            f"Too many requests, retry in {verdict.retry_after} s",
            headers={"Retry-After": str(verdict.retry_after)},
        )


@csrf_exempt
def dispatch(request: HttpRequest, version: str, path: str) -> HttpResponse:
    """Route ``/1.0/<path>`` (or ``/v1/<path>``) to an operation, authenticating on the way.

    The OVH API speaks English whatever the caller's browser or the key owner reads, as OVH's own
    does: the desk's refusals (``ActionRefused``) are rendered in English here.
    """
    with translation.override("en"):
        return _dispatch(request, path)


def _dispatch(request: HttpRequest, path: str) -> HttpResponse:
    relative = "/" + path
    method = (request.method or "GET").upper()
    try:
        matched = [(m, pattern, h, a) for m, pattern, h, a in ROUTES if pattern.fullmatch(relative)]
        if not matched:
            raise OvhError(404, f"Got an invalid (or empty) URL: {relative[:200]}")
        for route_method, pattern, handler, needs_auth in matched:
            if route_method == method:
                match = pattern.fullmatch(relative)
                if match is None:  # pragma: no cover - matched above
                    continue
                if handler in ANONYMOUS:
                    _limit_anonymous(request)
                caller = (
                    authenticate(request, method, relative, check_rules=handler not in RULE_FREE)
                    if needs_auth
                    else None
                )
                return _respond(handler(request, caller, **match.groupdict()))
        raise OvhError(405, f"Method {method} is not allowed on {relative[:200]}", cls="Client::MethodNotAllowed")
    except OvhError as error:
        return _respond(error.body(), error.status, error.headers)
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        return _respond(OvhError(413, f"Request body too large (at most {limit} MiB)").body(), 413)
    except ActionRefused as refused:
        status = next((code for kind, code in _REFUSAL_STATUS.items() if isinstance(refused, kind)), 409)
        return _respond(OvhError(status, str(refused.message)).body(), status)
    except Exception:
        logger.exception("unexpected error in OVH API %s %s", method, relative)
        return _respond({"class": "Server::InternalServerError", "message": "Internal server error"}, 500)
