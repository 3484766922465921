"""A person's data: exported as a ZIP by a background task, and erased everywhere but on issued invoices."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.urls import reverse

from accounts.models import LoginAttempt, User
from api.actions import create_token
from infogerencia.tests.test_invoices import finish
from privacy import actions
from privacy.models import DataExport, ErasureRecord, ExportState
from tickets import actions as ticket_actions
from tickets.models import Attachment, Message

PHONE = "+34 600 111 222"


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


@pytest.fixture
def history(desk, media, pipeline, morning):  # type: ignore[no-untyped-def]
    """Lucía's life at the desk: a ticket with her words and a file, an agent's reply naming her, a
    token, a failed login, a paid and invoiced intervention."""
    lucia = desk.lucia
    lucia.phone = PHONE
    lucia.save()
    ticket = ticket_actions.open_ticket(
        organisation=lucia.organisation,
        requester=lucia,
        service=desk.server,
        category=desk.category("server_no_ping"),
        subject="Servidor caído",
        body=f"Soy Lucía Martín, llamadme al {PHONE} o a lm4321-ovh@example.com.",
        channel="manager",
        actor=lucia,
        now=morning,
        attachments=[SimpleUploadedFile("ping.txt", b"100% packet loss\n", content_type="text/plain")],
    )
    ticket_actions.reply(ticket, actor=desk.l1, body="Hola Lucía Martín, lo miramos.", now=morning)
    create_token(user=lucia, name="backup script", scope="read", actor=lucia)
    LoginAttempt.objects.create(identifier=lucia.username, ip_address="192.0.2.9", created_at=morning)
    invoice = finish(desk, pipeline.paid(), morning)
    return {"ticket": ticket, "invoice": invoice}


def _export(client, person, django_capture_on_commit_callbacks) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("privacy:mine")).status_code == 302
    export = DataExport.objects.get(subject=person)
    assert export.state == ExportState.READY and export.expires_at is not None
    page = client.get(reverse("privacy:mine")).text
    assert reverse("privacy:download", args=[export.pk]) in page
    answer = client.get(reverse("privacy:download", args=[export.pk]))
    assert answer.status_code == 200 and answer["Content-Disposition"].startswith("attachment;")
    return zipfile.ZipFile(io.BytesIO(b"".join(answer.streaming_content)))


@pytest.mark.django_db
def test_the_export_holds_what_the_pages_show_and_no_secret(client, desk, history, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    archive = _export(client, desk.lucia, django_capture_on_commit_callbacks)
    read = {name: json.loads(archive.read(name)) for name in archive.namelist() if name.endswith(".json")}
    assert read["profile.json"]["email"] == desk.lucia.email and "password" not in read["profile.json"]
    support = client.get(reverse("portal:support")).text
    assert read["tickets.json"] and all(str(t["number"]) in support for t in read["tickets.json"])
    assert any(PHONE in m["body"] for m in read["messages.json"])
    assert not any("lo miramos" in m["body"] for m in read["messages.json"])  # written by the agent
    [attachment] = read["attachments.json"]
    assert archive.read(f"attachments/{attachment['id']}-ping.txt") == b"100% packet loss\n"
    [token] = read["api_tokens.json"]
    assert token["name"] == "backup script" and "digest" not in token
    assert read["logins.json"]["failed_attempts"][0]["ip_address"] == "192.0.2.9"
    assert [q["number"] for q in read["quotes.json"]] == [history["invoice"].quote.number]
    assert [i["number"] for i in read["invoices.json"]] == [history["invoice"].number]
    assert read["notifications.json"] and all(n["address"] == desk.lucia.email for n in read["notifications.json"])


@pytest.mark.django_db
def test_staff_export_on_behalf_and_others_cannot_download(client, desk, history, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    client.force_login(desk.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("privacy:person", args=[desk.lucia.pk]), {"do": "export"})
    export = DataExport.objects.get(subject=desk.lucia)
    assert export.requested_by == desk.supervisor and export.state == ExportState.READY
    client.force_login(desk.pedro)
    assert client.get(reverse("privacy:download", args=[export.pk])).status_code == 404
    assert client.get(reverse("privacy:person", args=[desk.lucia.pk])).status_code == 403


@pytest.mark.django_db
def test_an_expired_export_is_no_longer_offered(client, desk, media, now, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    with django_capture_on_commit_callbacks(execute=True):
        export = actions.request_export(subject=desk.lucia, actor=desk.lucia, now=now)
    export.refresh_from_db()
    client.force_login(desk.lucia)
    assert client.get(reverse("privacy:download", args=[export.pk])).status_code == 200
    assert actions.expire_exports(now=now + timedelta(days=4)) == 1
    export.refresh_from_db()
    assert export.state == ExportState.EXPIRED and not export.file
    assert client.get(reverse("privacy:download", args=[export.pk])).status_code == 404


def _hits(needles: list[str]) -> set[tuple[str, int, str]]:
    """Every (model, row, column) of the whole database whose text holds one of the needles."""
    found: set[tuple[str, int, str]] = set()
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in actions.text_fields(model):
            query = Q()
            for needle in actions.searched(field, needles):
                query |= Q(**{f"{field.name}__icontains": needle})
            for pk in model._default_manager.filter(query).values_list("pk", flat=True):
                found.add((model._meta.label, pk, field.name))
    return found


@pytest.mark.django_db
def test_after_erasure_only_what_the_record_kept_still_names_the_person(client, desk, history):  # type: ignore[no-untyped-def]
    lucia = desk.lucia
    needles = [lucia.get_full_name(), lucia.email, PHONE]
    before = _hits(needles)
    assert ("tickets.Message", history["ticket"].messages.first().pk, "body") in before  # the search finds her
    client.force_login(desk.supervisor)
    answer = client.post(reverse("privacy:person", args=[lucia.pk]), {"do": "erase", "confirm": lucia.username})
    assert answer.status_code == 302
    record = ErasureRecord.objects.get(subject=lucia)
    kept: set[tuple[str, Any, str]] = {
        (item["model"], pk, name) for item in record.kept for pk in item["ids"] for name in item["fields"]
    }
    after = _hits(needles)
    assert after, "the issued invoice still names her"
    assert after <= kept, after - kept
    assert ("infogerencia.Invoice", history["invoice"].pk, "buyer") in after
    erased = User.objects.get(pk=lucia.pk)
    assert (erased.first_name, erased.email, erased.phone, erased.is_active) == ("", "", "", False)
    assert not erased.has_usable_password()
    messages = list(Message.objects.filter(ticket=history["ticket"]).order_by("id"))
    assert messages[0].author_id == lucia.pk and "[erased]" in messages[0].body  # the message stays, anonymous
    assert erased.get_full_name() == "Former contact"
    assert not Attachment.objects.filter(uploaded_by=lucia).exists()
    assert record.removed["attachments"] == 1 and record.removed["api_tokens"] == 1
    page = client.get(reverse("privacy:person", args=[lucia.pk])).text
    assert "Issued invoices are kept as issued" in page


@pytest.mark.django_db
def test_supervisors_read_the_records_in_the_admin_and_cannot_change_them(client, desk, now):  # type: ignore[no-untyped-def]
    record = ErasureRecord.objects.create(subject=desk.other, performed_by=desk.supervisor, created_at=now)
    client.force_login(desk.supervisor)
    assert client.get(reverse("admin:privacy_erasurerecord_changelist")).status_code == 200
    assert client.get(reverse("admin:privacy_erasurerecord_change", args=[record.pk])).status_code == 200
    assert (
        client.post(reverse("admin:privacy_erasurerecord_delete", args=[record.pk]), {"post": "yes"}).status_code == 403
    )
    client.force_login(desk.l1)
    assert client.get(reverse("admin:privacy_erasurerecord_changelist")).status_code in {302, 403}
    assert ErasureRecord.objects.filter(pk=record.pk).exists()


@pytest.mark.django_db
def test_the_admins_list_of_users_links_to_a_customers_personal_data(client, desk):  # type: ignore[no-untyped-def]
    root = User.objects.create_superuser("root", "root@example.com", "a-long-test-password-1", language="en")
    client.force_login(root)
    page = client.get(reverse("admin:accounts_user_changelist")).text
    assert reverse("privacy:person", args=[desk.lucia.pk]) in page
    assert reverse("privacy:person", args=[desk.l1.pk]) not in page
    assert client.get(reverse("privacy:person", args=[desk.lucia.pk])).status_code == 200
