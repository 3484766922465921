"""Contacts in an organisation: the owner manages them in the Manager; what each may do is kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.actions import ContactRefused, add_contact, update_contact
from accounts.models import User
from tickets.errors import Forbidden
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _person(**extra):  # type: ignore[no-untyped-def]
    values = {
        "first_name": "Marta",
        "last_name": "Gil",
        "email": "marta@example.com",
        "language": "fr",
        "contact_role": "technical",
        "may_open_tickets": True,
        "sees_billing": False,
        "receives_incident_mail": True,
    }
    return {**values, **extra}


def test_the_owner_adds_changes_and_switches_off_a_contact(client, desk):  # type: ignore[no-untyped-def]
    assert desk.lucia.contact_role == "owner"
    client.force_login(desk.lucia)
    assert "Contacts" in client.get(reverse("portal:products")).text
    answer = client.post(reverse("portal:contact_new"), _person())
    assert answer.status_code == 302
    marta = User.objects.get(email="marta@example.com")
    assert (marta.organisation_id, marta.language, marta.sees_billing, marta.has_usable_password()) == (
        desk.lucia.organisation_id,
        "fr",
        False,
        False,
    )
    page = client.get(reverse("portal:contacts")).text
    assert marta.username in page and desk.lucia.username in page
    assert (
        client.post(
            reverse("portal:contact_edit", args=[marta.pk]), _person(contact_role="billing", sees_billing="on")
        ).status_code
        == 302
    )
    marta.refresh_from_db()
    assert (marta.contact_role, marta.sees_billing) == ("billing", True)
    client.post(reverse("portal:contact_active", args=[marta.pk]))
    marta.refresh_from_db()
    assert not marta.is_active


def test_bad_input_re_renders_with_the_message_and_keeps_what_was_typed(client, desk):  # type: ignore[no-untyped-def]
    client.force_login(desk.lucia)
    answer = client.post(reverse("portal:contact_new"), _person(email="not-an-address"))
    assert answer.status_code == 400
    assert "Enter a valid email address." in answer.text and 'value="Marta"' in answer.text
    assert not User.objects.filter(first_name="Marta").exists()


def test_only_the_owner_reaches_the_contacts_and_only_their_own(client, desk, now):  # type: ignore[no-untyped-def]
    marta = add_contact(actor=desk.lucia, values=_person(), now=now)
    client.force_login(marta)
    assert client.get(reverse("portal:contacts")).status_code == 403
    assert "portal/contacts" not in client.get(reverse("portal:products")).text
    client.force_login(desk.lucia)
    assert client.get(reverse("portal:contact_edit", args=[desk.pedro.pk])).status_code == 404
    with pytest.raises(ContactRefused):
        update_contact(actor=marta, contact=desk.lucia, values=_person(), now=now)


def test_the_last_owner_stays_owner(desk, now):  # type: ignore[no-untyped-def]
    with pytest.raises(ContactRefused) as refused:
        update_contact(actor=desk.lucia, contact=desk.lucia, values=_person(contact_role="technical"), now=now)
    assert refused.value.code == "last_owner"


def test_permissions_are_kept_by_the_desk(desk, now, open_incident):  # type: ignore[no-untyped-def]
    from infogerencia.queries import visible_invoices, visible_quotes

    clerk = add_contact(actor=desk.lucia, values=_person(may_open_tickets=False, sees_billing=False), now=now)
    with pytest.raises(Forbidden):
        open_incident(requester=clerk, actor=clerk)
    assert Ticket.objects.count() == 0
    assert not visible_quotes(clerk).exists() and visible_quotes(clerk).query is not None
    assert list(visible_invoices(clerk)) == []
    assert visible_quotes(desk.lucia).model.__name__ == "Quote"


@pytest.mark.django_db(transaction=True)
def test_incident_mail_reaches_the_contacts_who_receive_it(desk, now, open_incident):  # type: ignore[no-untyped-def]
    from django.core import mail

    add_contact(actor=desk.lucia, values=_person(email="ops@example.com", receives_incident_mail=True), now=now)
    add_contact(
        actor=desk.lucia,
        values=_person(
            first_name="Bill", email="bill@example.com", contact_role="billing", receives_incident_mail=False
        ),
        now=now,
    )
    mail.outbox.clear()
    open_incident()
    recipients = {address for message in mail.outbox for address in message.to}
    assert {"lm4321-ovh@example.com", "ops@example.com"} <= recipients
    assert "bill@example.com" not in recipients
