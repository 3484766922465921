"""In a real Chromium, in Spanish, English and French: the owner manages the account's contacts,
then downloads the export of their own data."""

from __future__ import annotations

import json
import zipfile

import pytest

from conftest import DEMO_PASSWORD, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media")]

WORDS = {
    "es": {
        "contacts": "Contactos",
        "add": "Añadir un contacto",
        "saved": "puede acceder con el identificador",
        "off": "Acceso desactivado",
        "mine": "Mis datos",
        "prepare": "Preparar una exportación",
        "download": "Descargar (ZIP)",
    },
    "en": {
        "contacts": "Contacts",
        "add": "Add a contact",
        "saved": "can log in with the customer identifier",
        "off": "Login switched off",
        "mine": "My data",
        "prepare": "Prepare an export",
        "download": "Download (ZIP)",
    },
    "fr": {
        "contacts": "Contacts",
        "add": "Ajouter un contact",
        "saved": "peut se connecter avec l'identifiant client",
        "off": "Connexion désactivée",
        "mine": "Mes données",
        "prepare": "Préparer un export",
        "download": "Télécharger (ZIP)",
    },
}


@pytest.fixture
def page(chromium, live_server):  # type: ignore[no-untyped-def]
    context = chromium.new_context(
        base_url=live_server.url, locale="es-ES", viewport={"width": 1200, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(30_000)  # the first page of a cold server on a busy machine
    tab = context.new_page()
    yield tab
    context.close()


@pytest.mark.parametrize("language", ["es", "en", "fr"])
def test_the_owner_manages_contacts_and_downloads_their_data(page, desk, language, tmp_path):  # type: ignore[no-untyped-def]
    from accounts.models import User

    words = WORDS[language]
    desk.lucia.language = language
    desk.lucia.save(update_fields=["language"])
    page.goto("/accounts/login/")
    page.fill("#id_username", "lm4321-ovh")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/manager/**")
    page.click(f"nav >> text={words['contacts']}")
    page.wait_for_url("**/manager/contacts/")
    assert page.inner_text("h1") == words["contacts"]
    page.click(f"main >> text={words['add']}")
    page.fill("#id_first_name", "Marta")
    page.fill("#id_last_name", "Gil")
    page.fill("#id_email", "not-an-address")
    page.select_option("#id_contact_role", "billing")
    page.click("main form button[type=submit]")
    assert page.locator(".has-error").count() == 1  # refused, what was typed kept
    assert page.input_value("#id_first_name") == "Marta"
    page.fill("#id_email", "marta@example.com")
    page.check("#id_sees_billing")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/manager/contacts/")
    marta = User.objects.get(email="marta@example.com")
    assert words["saved"] in page.inner_text("main") and marta.username in page.inner_text("main")
    assert (marta.contact_role, marta.sees_billing, marta.organisation_id) == (
        "billing",
        True,
        desk.lucia.organisation_id,
    )
    page.click(f"tr:has-text('{marta.username}') button")
    page.wait_for_url("**/manager/contacts/")
    assert words["off"] in page.inner_text(f"tr:has-text('{marta.username}')")
    screenshot(page, f"portal-contacts-{language}")

    page.click(f"nav >> text={words['mine']}")
    page.wait_for_url("**/privacy/")
    page.click(f"main >> text={words['prepare']}")
    page.wait_for_url("**/privacy/")
    with page.expect_download() as download_info:
        page.click(f"main >> text={words['download']}")
    target = tmp_path / "export.zip"
    download_info.value.save_as(target)
    with zipfile.ZipFile(target) as archive:
        profile = json.loads(archive.read("profile.json"))
    assert profile["username"] == "lm4321-ovh" and profile["language"] == language
    screenshot(page, f"privacy-export-{language}")
