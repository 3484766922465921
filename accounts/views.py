"""Login (with lockout and the optional second step), the security page, password reset, language."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import actions, security
from accounts.forms import CodeForm, LoginForm
from accounts.models import TOTPDevice, User

PENDING_KEY = "tierdesk_2fa_pending"
PENDING_SECONDS = 300


def _lockout_message(lockout: security.Lockout) -> str:
    until = timezone.localtime(lockout.until)
    minutes = max(1, int((lockout.until - timezone.now()).total_seconds() + 59) // 60)
    return ngettext(
        "Too many failed attempts. For your security, logging in is blocked until %(time)s "
        "(in about %(minutes)s minute). If you forgot your password, reset it by e-mail.",
        "Too many failed attempts. For your security, logging in is blocked until %(time)s "
        "(in about %(minutes)s minutes). If you forgot your password, reset it by e-mail.",
        minutes,
    ) % {"time": formats.time_format(until, "H:i"), "minutes": minutes}


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    """Identifier (or e-mail) and password; locked after repeated failures; then the code when 2FA is on."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        lockout = security.lockout_for(
            identifier=request.POST.get("username", ""), ip=security.client_ip(request), now=timezone.now()
        )
        if lockout is not None:
            # Refused before the password is even checked: a fresh form keeps the identifier typed.
            form = self.form_class(request=request, initial={"username": request.POST.get("username", "")[:254]})
            return self._locked(form, lockout)
        return super().post(request, *args, **kwargs)

    def _locked(self, form: Any, lockout: security.Lockout) -> HttpResponse:
        context = self.get_context_data(form=form, locked_message=_lockout_message(lockout))
        return self.render_to_response(context, status=429)

    def form_invalid(self, form: Any) -> HttpResponse:
        identifier = self.request.POST.get("username", "")
        now = timezone.now()
        if identifier and self.request.POST.get("password"):
            security.record_failure(identifier=identifier, ip=security.client_ip(self.request), now=now)
            lockout = security.lockout_for(identifier=identifier, ip=security.client_ip(self.request), now=now)
            if lockout is not None:
                fresh = self.form_class(request=self.request, initial={"username": identifier[:254]})
                return self._locked(fresh, lockout)
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        user: User = form.get_user()  # type: ignore[attr-defined]
        security.clear_failures(identifier=self.request.POST.get("username", ""))
        if security.enabled_device(user) is not None:
            self.request.session.cycle_key()
            self.request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
                "next": self.get_redirect_url(),
                "identifier": user.username,
                "at": int(time.time()),
            }
            return redirect("accounts:login_code")
        return super().form_valid(form)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of a login with two-factor authentication on."""
    pending = request.session.get(PENDING_KEY)
    if not pending or int(time.time()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, _("Log in again: the code step expired."))
        return redirect("accounts:login")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        ip = security.client_ip(request)
        lockout = security.lockout_for(identifier=pending["identifier"], ip=ip, now=now)
        if lockout is not None:
            form.add_error(None, _lockout_message(lockout))
            status = 429
        else:
            try:
                actions.verify_login_code(user=user, code=form.cleaned_data["code"], now=now)
            except actions.TwoFactorRefused as refusal:
                security.record_failure(identifier=pending["identifier"], ip=ip, now=now)
                form.add_error("code", str(refusal.message))
            else:
                request.session.pop(PENDING_KEY, None)
                user.backend = pending["backend"]  # type: ignore[attr-defined]
                login(request, user, backend=pending["backend"])
                security.clear_failures(identifier=pending["identifier"])
                return HttpResponseRedirect(_safe_next(request, pending.get("next")))
    return render(request, "accounts/login_code.html", {"form": form}, status=status)


@login_required
@sensitive_post_parameters("code")
def security_page(request: HttpRequest) -> HttpResponse:
    """Switch two-factor authentication on (secret, otpauth URI, confirm with a code) or off."""
    user: User = request.user  # type: ignore[assignment]
    device = TOTPDevice.objects.filter(user=user).first()
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        step = request.POST.get("step", "")
        now = timezone.now()
        try:
            if step == "start":
                actions.start_totp(user=user, now=now)
                return redirect("accounts:security")
            if step in {"confirm", "disable"} and form.is_valid():
                if step == "confirm":
                    actions.confirm_totp(user=user, code=form.cleaned_data["code"], now=now)
                    messages.success(request, _("Two-factor authentication is on. Logins now ask for a code."))
                else:
                    actions.disable_totp(user=user, code=form.cleaned_data["code"], now=now)
                    messages.success(request, _("Two-factor authentication is off."))
                return redirect("accounts:security")
        except actions.TwoFactorRefused as refusal:
            form.add_error("code" if "code" in form.fields else None, str(refusal.message))
        device = TOTPDevice.objects.filter(user=user).first()
    context = {
        "device": device,
        "form": form,
        "otpauth_uri": security.provisioning_uri(device, user) if device and not device.enabled else "",
        "section": "security",
    }
    return render(request, "accounts/security.html", context, status=400 if form.errors else 200)


class PasswordResetView(auth_views.PasswordResetView):
    """The e-mail goes out through the notifications service, which sits above ``accounts``: the
    settings name the form that sends it (``PASSWORD_RESET_FORM``)."""

    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def get_form_class(self) -> Any:
        return import_string(settings.PASSWORD_RESET_FORM)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # A new password lifts the lockout on that identifier.
        if self.user is not None:
            security.clear_failures(identifier=self.user.username)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switcher: saved on the profile when logged in, in a cookie otherwise."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            actions.set_language(user=request.user, language=language)  # type: ignore[arg-type]
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response
