"""Logging in with a customer identifier or e-mail, and landing in the right place."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import User, generate_customer_identifier
from conftest import DEMO_PASSWORD


def test_it_generates_identifiers_in_the_providers_style(settings):
    settings.CUSTOMER_ID_SUFFIX = "ovh"
    assert re.fullmatch(r"lm\d{5}-ovh", generate_customer_identifier("Lucía Martín"))
    assert re.fullmatch(r"[a-z]{2}\d{5}-ovh", generate_customer_identifier("Ñ"))


@pytest.mark.parametrize("login", ["lm4321-ovh", "LM4321-OVH", " lm4321-ovh ", "lm4321-ovh@example.com"])
def test_a_customer_logs_in_with_identifier_in_any_case_or_email(client, desk, login):
    response = client.post(reverse("accounts:login"), {"username": login, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).request["PATH_INFO"] == reverse("portal:support")


def test_a_wrong_password_re_renders_with_a_clear_message_and_keeps_the_identifier(client, desk):
    response = client.post(reverse("accounts:login"), {"username": "lm4321-ovh", "password": "wrong"})
    assert response.status_code == 200
    assert "do not match" in response.text or "no coinciden" in response.text
    assert 'value="lm4321-ovh"' in response.text


def test_staff_land_in_their_queue(client, desk):
    client.force_login(desk.l1)
    assert client.get("/", follow=True).request["PATH_INFO"] == reverse("console:queue")


def test_identifiers_are_unique_whatever_the_case(desk):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="LM4321-OVH ".strip(), role="l1_technician")


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_stored_with_argon2(db):
    from accounts.actions import create_customer

    user = create_customer(name="Ana Ruiz", email="ana@example.es", password="una-clave-larga-1")
    assert user.password.startswith("argon2$")
    assert re.fullmatch(r"ar\d{5}-ovh", user.username)
    assert user.organisation is not None and user.organisation.name == "Ana Ruiz"


def test_the_language_switcher_saves_the_choice_on_the_profile(client, desk):
    client.force_login(desk.lucia)
    client.post(reverse("accounts:set_language"), {"language": "fr", "next": "/manager/support/"})
    desk.lucia.refresh_from_db()
    assert desk.lucia.language == "fr"
    response = client.get(reverse("portal:support"))
    assert response["Content-Language"] == "fr"


def test_the_language_switcher_refuses_foreign_redirects(client, db):
    response = client.post(reverse("accounts:set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"
