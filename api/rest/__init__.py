"""The REST API v1 (django-ninja): ``/api/v1/``, OpenAPI 3.1 at ``/api/v1/openapi.json``.

One module per resource, named for the first segment of its URL: ``tickets`` (with their
messages and attachments), ``services``, ``levels``, ``categories``, ``quotes``, ``invoices``,
``guides``, ``meta`` (``/ping``), ``provisioning`` (the provider's organisations, contacts and
services); ``base`` holds what they share (token authentication and its rate
limit, pagination, dates, PDFs). Handlers are thin: authenticate (a personal token), validate,
call one action or query, render. This module makes the API and turns every error into the one
error body.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.operation import Operation
from ninja.parser import Parser

from api.errors import STATUS_CODES, ApiError, error_body
from api.rest import categories, guides, invoices, levels, meta, provisioning, quotes, services, tickets
from api.rest.base import READ, CallCount
from tickets.errors import ActionRefused, InvalidInput

logger = logging.getLogger(__name__)


class DeskAPI(NinjaAPI):
    """The API, with the operation ids it has always published: client code generated from the
    OpenAPI document names its methods after them, so they stay as they were before the
    handlers were split into a module per resource."""

    def get_openapi_operation_id(self, operation: Operation) -> str:
        module = operation.view_func.__module__.rpartition(".")[2]
        prefix = "api_rest_quotes" if module in {"quotes", "invoices", "guides"} else "api_rest"
        return f"{prefix}_{operation.view_func.__name__}"


class ObjectParser(Parser):
    """JSON bodies are objects: a string, a number or a list is refused with ``400`` (ninja turns
    the error into "Cannot parse request body"), so ``"please do not"`` never passes for ``{}``."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        return data


api = DeskAPI(
    title="tierdesk API",
    version="1",
    description=(
        "Tickets, messages, attachments, services, levels and categories of the tierdesk support desk. "
        'Errors always have the body {"error": {"code", "message", "field"}}.'
    ),
    urls_namespace="api:v1",
    auth=READ,
    parser=ObjectParser(),
)


def _json(request: HttpRequest, status: int, body: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def _on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _json(request, exc.status, error_body(exc.code, exc.message, exc.field), exc.headers)


@api.exception_handler(ActionRefused)
def _on_refused(request: HttpRequest, exc: ActionRefused) -> HttpResponse:
    field = exc.field if isinstance(exc, InvalidInput) else None
    return _json(request, exc.status, error_body(exc.code, exc.message, field))


@api.exception_handler(Http404)
def _on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _json(request, 404, error_body("not_found", _("Not found.")))


@api.exception_handler(ValidationError)
def _on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    count: CallCount | None = getattr(request, "api_count", None)
    if count is not None:  # refused before the handler ran: count the call here
        try:
            count.settle()
        except ApiError as limited:
            return _on_api_error(request, limited)
    first = exc.errors[0] if exc.errors else {}
    location = [str(part) for part in first.get("loc", ()) if isinstance(part, str)]
    field = location[-1] if location else None
    if field == "Idempotency-Key":  # the same answer as the key's own check (api.idempotency)
        refusal = _("Idempotency-Key is 1 to 255 printable ASCII characters.")
        return _json(request, 400, error_body("idempotency_key_invalid", refusal, field))
    message = str(first.get("msg") or _("Invalid input."))
    return _json(request, 422, error_body("validation_error", message, field))


@api.exception_handler(HttpError)
def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code if exc.status_code in STATUS_CODES else 400
    return _json(request, status, error_body(STATUS_CODES[status], str(exc)))


@api.exception_handler(RequestDataTooBig)
def _on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    message = _("The request is too large (at most %(mib)s MiB).") % {"mib": limit}
    return _json(request, 413, error_body("payload_too_large", message))


@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def _on_too_many(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _json(request, 413, error_body("payload_too_large", _("The request has too many fields or files.")))


@api.exception_handler(MultiPartParserError)
def _on_bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    message = _("The multipart body cannot be read: send multipart/form-data with its boundary.")
    return _json(request, 400, error_body("bad_request", message))


@api.exception_handler(Exception)
def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unexpected error in %s %s", request.method, request.path)
    return _json(request, 500, error_body("internal_error", _("Something went wrong on our side.")))


api.add_router("", meta.router)
api.add_router("", tickets.router)
api.add_router("", services.router)
api.add_router("", levels.router)
api.add_router("", categories.router)
api.add_router("", quotes.router)
api.add_router("", invoices.router)
api.add_router("", guides.router)
api.add_router("", provisioning.router)
