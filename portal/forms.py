"""The Manager's forms. They check shapes and choices; the rules live in ``tickets.actions``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from levels.models import Category, LevelCode, TicketKind
from services.models import Service
from sla.plans import duration_text, promised_first_response
from sla.priority import Urgency
from tickets.models import Channel, Status

DESCRIPTION_MAX = 20_000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the limits (count, size, type) are checked by ``tickets.actions``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _customer_services(user: User) -> list[Service]:
    return list(Service.objects.filter(organisation_id=user.organisation_id or 0).order_by("reference"))


def _service_label(service: Service) -> str:
    label = f"{service.reference} · {service.get_product_display()}"
    return f"{label} ({service.display_name})" if service.display_name else label


class ServiceChoiceField(forms.ChoiceField):
    """The customer's active services; one no longer active is refused by name, not as unknown."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retired: set[str] = set()

    def validate(self, value: Any) -> None:
        if value in self.retired:
            raise forms.ValidationError(
                _("This service is no longer active. Choose one of your active services."), code="service_inactive"
            )
        super().validate(value)


class TicketForm(forms.Form):
    """What both forms share: the customer's own services, the description, the attachments."""

    service = ServiceChoiceField(
        label=_("Service"),
        error_messages={
            "invalid_choice": _("This service is not one of yours. Choose one of your services."),
            "required": _("Choose the service concerned."),
        },
    )
    subject = forms.CharField(
        label=_("Summary (optional)"),
        max_length=200,
        required=False,
        help_text=_("One line. Left empty, the type and the service are used."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Describe the problem: what happens, since when, what you tried.")},
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        help_text=_("Optional: a traceroute, a screenshot, logs. Several files may be chosen."),
    )
    # Which way the customer came in: the Manager's own buttons, or a direct link.
    via = forms.ChoiceField(
        choices=[(Channel.MANAGER, Channel.MANAGER), (Channel.DIRECT_LINK, Channel.DIRECT_LINK)],
        widget=forms.HiddenInput,
        required=False,
    )

    category_field = "type"

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        services = _customer_services(user)
        self.services = {s.reference: s for s in services if not s.is_deactivated}
        self.fields["service"].retired = {s.reference for s in services if s.is_deactivated}  # type: ignore[attr-defined]
        choices = [(ref, _service_label(s)) for ref, s in self.services.items()]
        self.fields["service"].choices = [("", _("— choose —")), *choices]  # type: ignore[attr-defined]

    def categories(self) -> list[Category]:
        raise NotImplementedError

    def _category_choices(self) -> list[Any]:
        language = get_language() or "es"
        return [(c.code, c.name_in(language)) for c in self.categories()]

    def clean_service(self) -> Service | None:
        reference = self.cleaned_data.get("service") or ""
        return self.services.get(reference)

    def clean_type(self) -> Category:
        code = self.cleaned_data["type"]
        category = Category.objects.select_related("level").filter(code=code, active=True).first()
        if category is None or category not in self.categories():
            raise forms.ValidationError(_("Choose a type from the list."))
        return category

    @property
    def channel(self) -> str:
        return self.cleaned_data.get("via") or Channel.DIRECT_LINK

    def subject_text(self) -> str:
        subject = (self.cleaned_data.get("subject") or "").strip()
        if subject:
            return subject
        category: Category = self.cleaned_data["type"]
        service: Service | None = self.cleaned_data.get("service")
        text = category.name_in(get_language() or "es")
        return f"{text} · {service.reference}"[:200] if service else text[:200]


class IncidentForm(TicketForm):
    """Declarar un incidente: a level 1 incident type (required) and the affected service."""

    type = forms.ChoiceField(
        label=_("Type of incident"),
        error_messages={
            "required": _("Choose the type of incident."),
            "invalid_choice": _("Choose a type from the list."),
        },
    )
    urgency = forms.ChoiceField(
        label=_("Is your service completely down?"),
        widget=forms.RadioSelect,
        required=False,
        initial=Urgency.MEDIUM,
        error_messages={"invalid_choice": _("Choose one of the answers.")},
    )
    field_order = ["type", "service", "urgency", "subject", "description", "attachments", "via"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._categories = list(
            Category.objects.filter(level__code=LevelCode.L1, kind=TicketKind.INCIDENT, active=True).order_by(
                "order", "code"
            )
        )
        self.fields["type"].choices = [("", _("— choose —")), *self._category_choices()]  # type: ignore[attr-defined]
        self.fields["urgency"].choices = self._urgency_choices()  # type: ignore[attr-defined]

    def _urgency_choices(self) -> list[tuple[str, str]]:
        """The three answers, each with the answer time the customer's plan promises for it."""
        answers = [
            (Urgency.HIGH, _("Yes, it is completely down")),
            (Urgency.MEDIUM, _("Partly: it works badly or slowly")),
            (Urgency.LOW, _("No, it works; something is wrong")),
        ]
        level_id = self._categories[0].level_id if self._categories else None
        choices = []
        for value, label in answers:
            promised = None
            if level_id is not None:
                promised = promised_first_response(self.user.organisation_id, level_id, TicketKind.INCIDENT, str(value))
            text = str(label)
            if promised is not None:
                text = str(
                    _("%(answer)s (we answer within %(time)s)") % {"answer": label, "time": duration_text(promised)}
                )
            choices.append((str(value), text))
        return choices

    def categories(self) -> list[Category]:
        return self._categories


class AssistanceForm(TicketForm):
    """Soporte asistencia: the service and the query type, technical or commercial."""

    type = forms.ChoiceField(
        label=_("Type of query"),
        error_messages={
            "required": _("Choose the type of query."),
            "invalid_choice": _("Choose a type from the list."),
        },
    )
    field_order = ["service", "type", "subject", "description", "attachments", "via"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].required = False
        self.fields["service"].help_text = _("Required for a technical query.")
        self.fields["service"].choices[0] = ("", _("— not about one service —"))  # type: ignore[attr-defined,index]
        self._categories = list(
            Category.objects.filter(
                level__code=LevelCode.L2,
                kind__in=[TicketKind.ASSISTANCE_TECHNICAL, TicketKind.ASSISTANCE_COMMERCIAL],
                active=True,
            ).order_by("kind", "order", "code")
        )
        language = get_language() or "es"
        groups = []
        for kind, label in (
            (TicketKind.ASSISTANCE_TECHNICAL, _("Technical")),
            (TicketKind.ASSISTANCE_COMMERCIAL, _("Commercial")),
        ):
            options = [(c.code, c.name_in(language)) for c in self._categories if c.kind == kind]
            if options:
                groups.append((label, options))
        self.fields["type"].choices = [("", _("— choose —")), *groups]  # type: ignore[attr-defined]

    def categories(self) -> list[Category]:
        return self._categories

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        category = cleaned.get("type")
        if (
            isinstance(category, Category)
            and category.kind == TicketKind.ASSISTANCE_TECHNICAL
            and not cleaned.get("service")
            and "service" not in self.errors
        ):
            self.add_error("service", _("Choose the service your technical query is about."))
        return cleaned

    def guide_slug(self) -> str:
        code = self.data.get("type") if self.is_bound else self.initial.get("type")
        for category in self._categories:
            if category.code == code:
                return category.guide_slug
        return ""


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write a message.")},
    )
    attachments = MultipleFileField(label=_("Attachments"))


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen it?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the ticket should be reopened.")},
    )


class ScoreForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your score"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a score from 1 to 5."),
            "invalid_choice": _("Choose a score from 1 to 5."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TicketFilterForm(forms.Form):
    """Filters of the support list; unknown values are ignored rather than shown as errors."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)

    def __init__(self, *args: Any, services: list[Service], levels: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All")), ("active", _("Open (not resolved)")), *Status.choices]  # type: ignore[attr-defined]
        self.fields["level"].choices = [("", _("All")), *[(lv.code, f"{lv.code} · {lv.name}") for lv in levels]]  # type: ignore[attr-defined]
        self.fields["service"].choices = [("", _("All")), *[(s.reference, s.reference) for s in services]]  # type: ignore[attr-defined]
