"""The Manager's contacts page: the account's owner adds people, sets their role, language and what
they may do (open tickets, see quotes and invoices, receive incident mail), and switches logins off.

Each view authenticates, validates, calls one action of ``accounts.actions`` and renders.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import actions
from accounts.models import ContactRole, Language, Role, User
from portal.views import _user, customer_required


class ContactForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32, required=False)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Language.choices)
    contact_role = forms.ChoiceField(label=gettext_lazy("Role in the organisation"), choices=ContactRole.choices)
    may_open_tickets = forms.BooleanField(label=gettext_lazy("May open tickets"), required=False)
    sees_billing = forms.BooleanField(label=gettext_lazy("Sees quotes and invoices"), required=False)
    receives_incident_mail = forms.BooleanField(label=gettext_lazy("Receives incident e-mail"), required=False)


def _owner(request: HttpRequest) -> User:
    user = _user(request)
    if not user.is_owner:
        raise PermissionDenied
    return user


def _contact(owner: User, pk: int) -> User:
    contact = User.objects.filter(pk=pk, organisation_id=owner.organisation_id or 0, role=Role.CUSTOMER).first()
    if contact is None:
        raise Http404
    return contact


def _values(form: ContactForm) -> dict[str, Any]:
    return dict(form.cleaned_data)


def _form_page(request: HttpRequest, form: ContactForm, contact: User | None, status: int = 200) -> HttpResponse:
    return render(
        request, "portal/contact_form.html", {"form": form, "contact": contact, "section": "contacts"}, status=status
    )


@customer_required
def contacts(request: HttpRequest) -> HttpResponse:
    """The account's people, their logins, roles and permissions."""
    owner = _owner(request)
    people = User.objects.filter(organisation_id=owner.organisation_id or 0, role=Role.CUSTOMER).order_by(
        "-is_active", "last_name", "first_name", "id"
    )
    return render(request, "portal/contacts.html", {"people": people, "section": "contacts"})


@customer_required
def contact_new(request: HttpRequest) -> HttpResponse:
    owner = _owner(request)
    if request.method != "POST":
        initial = {
            "language": owner.language,
            "contact_role": ContactRole.TECHNICAL,
            "may_open_tickets": True,
            "receives_incident_mail": True,
        }
        return _form_page(request, ContactForm(initial=initial), None)
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, None, status=400)
    try:
        person = actions.add_contact(actor=owner, values=_values(form), now=timezone.now())
    except actions.ContactRefused as refused:
        form.add_error(refused.field if refused.field in form.fields else None, str(refused.message))
        return _form_page(request, form, None, status=400)
    messages.success(
        request,
        _(
            "%(name)s can log in with the customer identifier %(identifier)s after choosing a password with "
            "“Forgotten password”."
        )
        % {"name": person.get_full_name(), "identifier": person.username},
    )
    return redirect("portal:contacts")


@customer_required
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    owner = _owner(request)
    contact = _contact(owner, pk)
    if request.method != "POST":
        initial = {name: getattr(contact, name) for name in ContactForm.base_fields}
        return _form_page(request, ContactForm(initial=initial), contact)
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, contact, status=400)
    try:
        actions.update_contact(actor=owner, contact=contact, values=_values(form), now=timezone.now())
    except actions.ContactRefused as refused:
        form.add_error(refused.field if refused.field in form.fields else None, str(refused.message))
        return _form_page(request, form, contact, status=400)
    messages.success(request, _("The contact %(name)s was saved.") % {"name": contact.get_full_name()})
    return redirect("portal:contacts")


@customer_required
@require_POST
def contact_active(request: HttpRequest, pk: int) -> HttpResponse:
    owner = _owner(request)
    contact = _contact(owner, pk)
    try:
        if request.POST.get("active") == "1":
            actions.reactivate_contact(actor=owner, contact=contact, now=timezone.now())
            messages.success(request, _("%(name)s can log in again.") % {"name": contact.get_full_name()})
        else:
            actions.deactivate_contact(actor=owner, contact=contact, now=timezone.now())
            messages.success(request, _("%(name)s can no longer log in.") % {"name": contact.get_full_name()})
    except actions.ContactRefused as refused:
        messages.error(request, str(refused.message))
    return redirect("portal:contacts")
