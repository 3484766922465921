"""Lockout after repeated failures, two-factor authentication with TOTP, and password reset by e-mail."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginAttempt, TOTPDevice
from conftest import DEMO_PASSWORD

LOGIN = reverse("accounts:login")
SECURITY = reverse("accounts:security")


def _fail(client, identifier="lm4321-ovh", **extra):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": identifier, "password": "wrong-password"}, **extra)


# --- lockout ---------------------------------------------------------------------------------


def test_five_failures_lock_the_identifier_with_a_clear_message_even_for_the_right_password(client, desk):
    for _ in range(4):
        assert _fail(client).status_code == 200
    response = _fail(client)
    assert response.status_code == 429 and "Too many failed attempts" in response.text
    response = client.post(LOGIN, {"username": "LM4321-OVH", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert re.search(r"blocked until \d{1,2}:\d{2}", response.text)
    assert 'value="LM4321-OVH"' in response.text  # what was typed is kept
    assert "_auth_user_id" not in client.session


def test_the_lock_time_reads_as_hours_and_minutes_even_on_the_hour(client, desk, settings):
    # A lock that ends exactly on the hour once read "11 p.m." in English; every language shows 23:00.
    ends_on_the_hour = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    with time_machine.travel(ends_on_the_hour - timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES), tick=False):
        for _ in range(5):
            _fail(client)
        response = client.post(LOGIN, {"username": "lm4321-ovh", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert re.search(r"blocked until \d{2}:00 ", response.text)


def test_the_lock_lifts_after_the_window(client, desk, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _fail(client)
        assert client.post(LOGIN, {"username": "lm4321-ovh", "password": DEMO_PASSWORD}).status_code == 429
    with time_machine.travel(start + timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES, seconds=1), tick=False):
        response = client.post(LOGIN, {"username": "lm4321-ovh", "password": DEMO_PASSWORD})
        assert response.status_code == 302
    assert not LoginAttempt.objects.filter(identifier="lm4321-ovh").exists()


def test_other_identifiers_are_not_locked_by_someone_elses_failures(client, desk):
    for _ in range(5):
        _fail(client)
    assert client.post(LOGIN, {"username": "pg2468-ovh", "password": DEMO_PASSWORD}).status_code == 302


def test_one_address_trying_many_identifiers_is_locked(client, desk, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_IP = 3
    for name in ("a1-ovh", "a2-ovh", "a3-ovh"):
        _fail(client, name)
    response = client.post(LOGIN, {"username": "pg2468-ovh", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    other_address = client.post(LOGIN, {"username": "pg2468-ovh", "password": DEMO_PASSWORD}, REMOTE_ADDR="192.0.2.9")
    assert other_address.status_code == 302


def test_failures_are_stored_in_the_database(client, desk):
    _fail(client)
    attempt = LoginAttempt.objects.get()
    assert attempt.identifier == "lm4321-ovh" and attempt.ip_address == "127.0.0.1"


# --- two-factor authentication -----------------------------------------------------------------


def _enable_2fa(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    client.post(SECURITY, {"step": "start"})
    device = TOTPDevice.objects.get(user=user)
    page = client.get(SECURITY).text
    assert device.secret in page and "otpauth://totp/" in page
    assert client.post(SECURITY, {"step": "confirm", "code": pyotp.TOTP(device.secret).now()}).status_code == 302
    client.logout()
    device.refresh_from_db()
    return device


def test_2fa_is_switched_on_only_after_a_correct_code(client, desk):
    client.force_login(desk.lucia)
    client.post(SECURITY, {"step": "start"})
    device = TOTPDevice.objects.get(user=desk.lucia)
    response = client.post(SECURITY, {"step": "confirm", "code": "000000"})
    assert response.status_code == 400 and "not valid" in response.text
    device.refresh_from_db()
    assert not device.enabled
    client.post(SECURITY, {"step": "confirm", "code": pyotp.TOTP(device.secret).now()})
    device.refresh_from_db()
    assert device.enabled


def test_login_then_asks_for_the_code(client, desk):
    device = _enable_2fa(client, desk.lucia)
    link = reverse("portal:incident_new") + "?type=server_no_ping"
    response = client.post(LOGIN, {"username": "lm4321-ovh", "password": DEMO_PASSWORD, "next": link})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login_code")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("portal:support")).status_code == 302  # not logged in yet
    response = client.post(reverse("accounts:login_code"), {"code": "123456"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    # The code used to switch 2FA on cannot be used again: the next one can.
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        response = client.post(reverse("accounts:login_code"), {"code": pyotp.TOTP(device.secret).now()})
    assert response.status_code == 302 and response["Location"] == link
    assert client.session["_auth_user_id"] == str(desk.lucia.pk)


def test_a_code_cannot_be_used_twice(client, desk):
    device = _enable_2fa(client, desk.lucia)
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        code = pyotp.TOTP(device.secret).now()
        client.post(LOGIN, {"username": "lm4321-ovh", "password": DEMO_PASSWORD})
        assert client.post(reverse("accounts:login_code"), {"code": code}).status_code == 302
        client.logout()
        client.post(LOGIN, {"username": "lm4321-ovh", "password": DEMO_PASSWORD})
        response = client.post(reverse("accounts:login_code"), {"code": code})
        assert "already been used" in response.text and "_auth_user_id" not in client.session


def test_wrong_codes_count_towards_the_lockout(client, desk):
    _enable_2fa(client, desk.lucia)
    client.post(LOGIN, {"username": "lm4321-ovh", "password": DEMO_PASSWORD})
    for _ in range(5):
        client.post(reverse("accounts:login_code"), {"code": "000000"})
    response = client.post(reverse("accounts:login_code"), {"code": "000000"})
    assert response.status_code == 429 and "Too many failed attempts" in response.text


def test_the_code_step_expires(client, desk):
    device = _enable_2fa(client, desk.lucia)
    client.post(LOGIN, {"username": "lm4321-ovh", "password": DEMO_PASSWORD})
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        response = client.post(reverse("accounts:login_code"), {"code": pyotp.TOTP(device.secret).now()})
        assert response.status_code == 302 and response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_2fa_is_switched_off_with_a_current_code(client, desk):
    device = _enable_2fa(client, desk.lucia)
    client.force_login(desk.lucia)
    assert client.post(SECURITY, {"step": "disable", "code": "000000"}).status_code == 400
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        client.post(SECURITY, {"step": "disable", "code": pyotp.TOTP(device.secret).now()})
    assert not TOTPDevice.objects.filter(user=desk.lucia).exists()
    client.logout()
    assert client.post(LOGIN, {"username": "lm4321-ovh", "password": DEMO_PASSWORD}).status_code == 302


def test_the_security_page_needs_a_login(client, desk):
    assert client.get(SECURITY).status_code == 302


# --- password reset --------------------------------------------------------------------------


@pytest.mark.parametrize("language,phrase", [("es", None), ("en", "Choose a new password"), ("fr", None)])
def test_password_reset_by_email_end_to_end(client, desk, language, phrase, django_capture_on_commit_callbacks):
    desk.lucia.language = language
    desk.lucia.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "lm4321-ovh@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lm4321-ovh@example.com"] and "lm4321-ovh" in message.body
    if phrase:
        assert phrase in message.subject
    # Sent through the notifications: one delivery, sent, with no usable token stored anywhere.
    from notifications.models import Delivery, Notification

    delivery = Delivery.objects.get(notification__event="password_reset")
    assert (delivery.status, delivery.address, delivery.language) == ("sent", "lm4321-ovh@example.com", language)
    assert "token" not in str(Notification.objects.get(pk=delivery.notification_id).context)
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", str(message.body)).group(1)  # type: ignore[union-attr]
    response = client.get(link, follow=True)
    form_url = response.request["PATH_INFO"]
    response = client.post(
        form_url, {"new_password1": "una-clave-nueva-larga-7", "new_password2": "una-clave-nueva-larga-7"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_complete")
    assert client.post(LOGIN, {"username": "lm4321-ovh", "password": "una-clave-nueva-larga-7"}).status_code == 302
    # The link works once.
    client.logout()
    assert "not valid any more" in client.get(link, follow=True).text


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    client, desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302 and len(mail.outbox) == 0


def test_a_new_password_lifts_the_lockout(client, desk, django_capture_on_commit_callbacks):
    for _ in range(5):
        _fail(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "lm4321-ovh@example.com"})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", str(mail.outbox[0].body)).group(1)  # type: ignore[union-attr]
    form_url = client.get(link, follow=True).request["PATH_INFO"]
    client.post(form_url, {"new_password1": "una-clave-nueva-larga-7", "new_password2": "una-clave-nueva-larga-7"})
    assert client.post(LOGIN, {"username": "lm4321-ovh", "password": "una-clave-nueva-larga-7"}).status_code == 302


def test_failures_older_than_the_window_are_trimmed(client, desk, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(client)
    with time_machine.travel(start + timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES + 1), tick=False):
        _fail(client)
    assert LoginAttempt.objects.count() == 1
