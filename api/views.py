"""Pages of the api app: personal API tokens, and validating an OVH consumer key."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from api import actions
from api.errors import error_body
from api.models import ApiToken, CredentialState, Scope
from tickets.errors import ActionRefused, InvalidInput

NEW_TOKEN_KEY = "api_new_token"  # noqa: S105 - a session key name, not a secret


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, help_text=gettext_lazy("e.g. backup script"))
    scope = forms.ChoiceField(label=gettext_lazy("Access"), choices=Scope.choices, initial=Scope.READ)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not (user is not None and (user.role == Role.SUPERVISOR or user.is_superuser)):
            # Provisioning tokens are the provider's integrations: supervisors create them.
            self.fields["scope"].choices = [c for c in Scope.choices if c[0] != Scope.PROVISIONING]  # type: ignore[attr-defined]


def _token_page(
    request: HttpRequest, form: TokenForm, new_secret: str | None = None, status: int = 200
) -> HttpResponse:
    tokens = ApiToken.objects.filter(user_id=request.user.pk or 0).order_by("-created_at", "-id")[:100]
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "new_secret": new_secret, "section": "api"},
        status=status,
    )


def api_not_found(request: HttpRequest) -> JsonResponse:
    """Unknown paths under /api/v1/ answer in the API's error shape, not with an HTML page."""
    return JsonResponse(error_body("not_found", _("There is no such API call.")), status=404)


def json_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``405`` with the API's error body and the ``Allow`` header the view gave."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            message = _("The method %(method)s is not allowed here; allowed: %(allowed)s.") % {
                "method": request.method,
                "allowed": response.get("Allow", ""),
            }
            refused = JsonResponse(error_body("method_not_allowed", message), status=405)
            refused["Allow"] = response.get("Allow", "")
            return refused
        return response

    return wrapper


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """List, create and revoke personal tokens.

    A new token's secret goes through the session to the page after the redirect and is removed
    from it as it is shown, so a reload neither shows it again nor creates a second token.
    """
    if request.method != "POST":
        response = _token_page(
            request, TokenForm(user=request.user), new_secret=request.session.pop(NEW_TOKEN_KEY, None)
        )
        response["Cache-Control"] = "no-store"
        return response
    form = TokenForm(request.POST, user=request.user)
    if not form.is_valid():
        return _token_page(request, form, status=400)
    try:
        new = actions.create_token(
            user=request.user,  # type: ignore[arg-type]
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            actor=request.user,  # type: ignore[arg-type]
        )
    except InvalidInput as error:
        form.add_error(error.field if error.field in form.fields else None, str(error.message))
        return _token_page(request, form, status=400)
    except ActionRefused as error:
        form.add_error(None, str(error.message))
        return _token_page(request, form, status=409)
    request.session[NEW_TOKEN_KEY] = new.secret
    return redirect("api:tokens")


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk, user_id=request.user.pk or 0).first()
    if token is None:
        raise Http404
    actions.revoke_token(token, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("The token %(name)s no longer works.") % {"name": token.name})
    return redirect("api:tokens")


@login_required
def validate_credential(request: HttpRequest, token: str) -> HttpResponse:
    """The customer reviews what an application asks for, then validates or refuses it."""
    try:
        key = actions.pending_key(token, timezone.now())
    except ActionRefused:
        raise Http404 from None
    error = None
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision not in {"validate", "refuse"}:
            error = _("Choose to validate or to refuse.")
        else:
            try:
                key = actions.decide_consumer_key(key, actor=request.user, validate=decision == "validate")  # type: ignore[arg-type]
            except ActionRefused as refused:
                error = str(refused.message)
            else:
                if key.state == CredentialState.VALIDATED and key.redirection:
                    return redirect(key.redirection)
    return render(
        request,
        "api/validate_credential.html",
        {"key": key, "error": error, "is_customer": getattr(request.user, "is_customer", False)},
        status=400 if error else 200,
    )
