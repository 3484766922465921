"""Level 3 pages: the customer's quotes in the Manager, the staff's quote workspace, the PDFs
and the payment webhook. Each view authenticates, validates, calls one action or query, renders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role, User
from core.permissions import staff_required
from infogerencia import actions, documents, forms, payments, queries, sepa
from infogerencia.models import (
    AttemptState,
    Intervention,
    Invoice,
    OperationReport,
    Payment,
    PaymentAttempt,
    Quote,
    QuoteLine,
    QuoteState,
    StatementCredit,
    WebhookDelivery,
)
from infogerencia.payments.redsys_pos import decline_message
from tickets import queries as ticket_queries
from tickets.errors import ActionRefused, Forbidden

View = Callable[..., HttpResponse]


def _me(request: HttpRequest) -> User:
    """The logged-in person (the decorators below have made sure there is one)."""
    return cast(User, request.user)


def customer_required(view: View) -> View:
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_customer", False):
            raise Http404("Customers only")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _refused(request: HttpRequest, form: Any, error: ActionRefused) -> None:
    """Put an action's refusal on the form field it names (or on the form), keeping the input."""
    field = getattr(error, "field", None)
    if form is not None and field and field in form.fields:
        form.add_error(field, str(error.message))
    elif form is not None:
        form.add_error(None, str(error.message))
    else:
        messages.error(request, str(error.message))


# --- customer (Manager) --------------------------------------------------------------------


@require_GET
@customer_required
def customer_home(request: HttpRequest) -> HttpResponse:
    """The customer's quotes and invoices, newest first."""
    return render(
        request,
        "infogerencia/customer_home.html",
        {"quotes": queries.quote_list(request.user), "invoices": queries.invoice_list(request.user)},
    )


def _customer_quote_page(request: HttpRequest, quote: Quote, *, status: int = 200, **forms_: Any) -> HttpResponse:
    attempt = quote.attempts.order_by("-created_at", "-id").first()
    returned = request.GET.get("payment") in {"ok", "ko"}
    context = {
        "quote": quote,
        "lines": list(quote.lines.all()),
        "invoices": list(quote.invoices.order_by("issued_at", "id")),
        "accept_form": forms_.get("accept_form") or forms.AcceptForm(),
        "reject_form": forms_.get("reject_form") or forms.RejectForm(),
        "offers": payments.offers(quote) if quote.state == QuoteState.ACCEPTED else [],
        # What the customer is told after coming back from a payment page is the state the
        # provider's notification left, never what the redirect says.
        "waiting": quote.state == QuoteState.ACCEPTED
        and attempt is not None
        and attempt.state == AttemptState.STARTED
        and returned,
        "failed": attempt if attempt is not None and attempt.state == AttemptState.FAILED else None,
        "failure_message": _failure_message(attempt),
        "payment": Payment.objects.filter(quote=quote).first(),
        "report": _report(quote),
    }
    return render(request, "infogerencia/customer_quote.html", context, status=status)


def _failure_message(attempt: PaymentAttempt | None) -> str:
    if attempt is None or attempt.state != AttemptState.FAILED:
        return ""
    if attempt.provider == "redsys":
        return decline_message(attempt.code)
    return _("The payment was not completed.")


def _report(quote: Quote) -> OperationReport | None:
    try:
        return quote.intervention.report
    except (Intervention.DoesNotExist, OperationReport.DoesNotExist):
        return None


@require_GET
@customer_required
def customer_quote(request: HttpRequest, number: str) -> HttpResponse:
    return _customer_quote_page(request, queries.get_quote_for(request.user, number))


@require_POST
@customer_required
def customer_accept(request: HttpRequest, number: str) -> HttpResponse:
    quote = queries.get_quote_for(request.user, number)
    form = forms.AcceptForm(request.POST)
    if form.is_valid():
        try:
            actions.accept_quote(
                quote, actor=_me(request), requested_start=form.cleaned_data["requested_start"], now=timezone.now()
            )
        except ActionRefused as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Quote accepted. The intervention is scheduled as soon as it is paid."))
            return redirect("infogerencia:customer_quote", number=quote.number)
    return _customer_quote_page(request, quote, status=400, accept_form=form)


@require_POST
@customer_required
def customer_reject(request: HttpRequest, number: str) -> HttpResponse:
    quote = queries.get_quote_for(request.user, number)
    form = forms.RejectForm(request.POST)
    if form.is_valid():
        try:
            actions.reject_quote(quote, actor=_me(request), reason=form.cleaned_data["reason"], now=timezone.now())
        except ActionRefused as error:
            _refused(request, form, error)
        else:
            messages.success(request, _("Quote rejected. Thank you for telling us why."))
            return redirect("infogerencia:customer_quote", number=quote.number)
    return _customer_quote_page(request, quote, status=400, reject_form=form)


@require_POST
@customer_required
def customer_pay(request: HttpRequest, number: str, provider: str) -> HttpResponse:
    """The customer chose a way to pay: the signed form to the bank, or the provider's page."""
    quote = queries.get_quote_for(request.user, number)
    handler = payments.get_provider(provider)
    if handler is None or not handler.configured() or handler.offer(quote) is None:
        raise Http404("This way of paying is not offered")
    try:
        checkout = handler.start(quote, actor=_me(request), now=timezone.now())
    except ActionRefused as error:
        messages.error(request, str(error.message))
        return redirect("infogerencia:customer_quote", number=quote.number)
    if checkout.kind == "form":
        return render(request, "infogerencia/payment_redirect.html", {"quote": quote, "checkout": checkout})
    return redirect(checkout.url)


# --- documents (customer and staff) --------------------------------------------------------


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
@login_required
def quote_pdf(request: HttpRequest, number: str) -> HttpResponse:
    quote = queries.get_quote_for(request.user, number)
    return _pdf(documents.quote_pdf(quote), f"{quote.number}.pdf")


@require_GET
@login_required
def invoice_pdf(request: HttpRequest, number: str) -> HttpResponse:
    invoice = queries.get_invoice_for(request.user, number)
    return _pdf(documents.invoice_pdf(invoice), f"{invoice.number}.pdf")


# --- staff (console) -----------------------------------------------------------------------


@require_GET
@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """Quotes (by state), upcoming interventions, recent invoices and webhook deliveries."""
    state = request.GET.get("state", "")
    deliveries: list[WebhookDelivery] = []
    is_billing = _me(request).role in {"billing", "supervisor"} or _me(request).is_superuser
    if is_billing:
        deliveries = list(WebhookDelivery.objects.order_by("-received_at", "-id")[:20])
    return render(
        request,
        "infogerencia/staff_home.html",
        {
            "quotes": queries.quote_list(request.user, state=state),
            "state": state,
            "states": QuoteState.choices,
            "interventions": queries.upcoming_interventions(request.user),
            "invoices": queries.invoice_list(request.user, limit=20),
            "deliveries": deliveries,
            "is_billing": is_billing,
        },
    )


def _staff_quote_page(request: HttpRequest, quote: Quote, *, status: int = 200, **given: Any) -> HttpResponse:
    intervention: Intervention | None = getattr(quote, "intervention", None) if quote.state == QuoteState.PAID else None
    report = _report(quote) if intervention else None
    required = actions.required_fields(intervention) if intervention else []
    report_initial = {}
    if report is not None:
        report_initial = {
            "steps": report.steps,
            "commands": report.commands,
            "outcome": report.outcome,
            "outcome_notes": report.outcome_notes,
            "minutes_spent": report.minutes_spent,
            **{f"field_{k}": v for k, v in report.fields.items()},
        }
    lines = list(quote.lines.select_related("intervention_type"))
    totals = quote.computed_totals() if quote.state == QuoteState.DRAFT else None
    context = {
        "quote": quote,
        "lines": lines,
        "draft_totals": totals,
        "intervention": intervention,
        "report": report,
        "invoices": list(quote.invoices.select_related("rectifies").order_by("issued_at", "id")),
        "line_form": given.get("line_form") or forms.QuoteLineForm(),
        "terms_form": given.get("terms_form")
        or forms.QuoteTermsForm(initial={"valid_until": quote.valid_until, "terms": quote.terms}),
        "payment_form": given.get("payment_form") or forms.ManualPaymentForm(initial={"amount": quote.gross}),
        "move_form": given.get("move_form") or forms.MoveForm(),
        "report_form": given.get("report_form") or forms.ReportForm(initial=report_initial, required_fields=required),
        "credit_form": given.get("credit_form") or forms.CreditNoteForm(),
        "refund_form": given.get("refund_form") or forms.RefundForm(),
        "payment": Payment.objects.filter(quote=quote).select_related("recorded_by").first(),
        "attempts": list(quote.attempts.order_by("-created_at", "-id")[:20]),
        "refund_provider": _refund_provider(quote),
        "events": [event for event in ticket_queries.history(quote.ticket) if "step" in event.data],
        "may": actions.staff_may(_me(request), intervention),
        "now": timezone.now(),
    }
    return render(request, "infogerencia/staff_quote.html", context, status=status)


@require_GET
@staff_required
def staff_quote(request: HttpRequest, number: str) -> HttpResponse:
    return _staff_quote_page(request, queries.get_quote_for(request.user, number))


@require_POST
@staff_required
def staff_draft(request: HttpRequest, ticket_number: int) -> HttpResponse:
    ticket = ticket_queries.get_ticket_by_number_for(request.user, ticket_number)
    try:
        quote = actions.draft_quote(ticket, actor=_me(request), now=timezone.now())
    except ActionRefused as error:
        messages.error(request, str(error.message))
        return redirect("console:ticket", number=ticket.number)
    messages.success(request, _("Draft quote %(number)s created.") % {"number": quote.number})
    return redirect("infogerencia:staff_quote", number=quote.number)


def _staff_form_action(
    request: HttpRequest, number: str, form_class: Any, form_name: str, run: Callable[[Quote, Any], Any], done: str
) -> HttpResponse:
    quote = queries.get_quote_for(request.user, number)
    kwargs: dict[str, Any] = {}
    if form_class is forms.ReportForm:
        intervention = getattr(quote, "intervention", None)
        kwargs["required_fields"] = actions.required_fields(intervention) if intervention else []
    form = form_class(request.POST, **kwargs) if form_class is not None else None
    if form is None or form.is_valid():
        try:
            run(quote, form.cleaned_data if form is not None else {})
        except Forbidden as error:
            # A role that may not act is not shown the form; a POST anyway is refused as such.
            messages.error(request, str(error.message))
            return _staff_quote_page(request, queries.get_quote_for(request.user, number), status=403)
        except ActionRefused as error:
            _refused(request, form, error)
        else:
            messages.success(request, done)
            return redirect("infogerencia:staff_quote", number=quote.number)
    quote = queries.get_quote_for(request.user, number)
    return _staff_quote_page(request, quote, status=400, **({form_name: form} if form is not None else {}))


@require_POST
@staff_required
def staff_add_line(request: HttpRequest, number: str) -> HttpResponse:
    def run(quote: Quote, data: dict[str, Any]) -> None:
        actions.add_quote_line(
            quote,
            actor=_me(request),
            intervention_type=data["intervention_type"],
            description=data["description"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            discount_percent=data["discount_percent"] or 0,
            now=timezone.now(),
        )

    return _staff_form_action(request, number, forms.QuoteLineForm, "line_form", run, _("Line added."))


@require_POST
@staff_required
def staff_remove_line(request: HttpRequest, number: str, line_id: int) -> HttpResponse:
    def run(quote: Quote, data: dict[str, Any]) -> None:
        line = get_object_or_404(QuoteLine, pk=line_id, quote=quote)
        actions.remove_quote_line(line, actor=_me(request), now=timezone.now())

    return _staff_form_action(request, number, None, "", run, _("Line removed."))


@require_POST
@staff_required
def staff_terms(request: HttpRequest, number: str) -> HttpResponse:
    def run(quote: Quote, data: dict[str, Any]) -> None:
        actions.update_quote(
            quote, actor=_me(request), valid_until=data["valid_until"], terms=data["terms"], now=timezone.now()
        )

    return _staff_form_action(request, number, forms.QuoteTermsForm, "terms_form", run, _("Quote updated."))


@require_POST
@staff_required
def staff_send(request: HttpRequest, number: str) -> HttpResponse:
    def run(quote: Quote, data: dict[str, Any]) -> None:
        actions.send_quote(quote, actor=_me(request), now=timezone.now())

    return _staff_form_action(request, number, None, "", run, _("Quote sent to the customer."))


@require_POST
@staff_required
def staff_confirm_payment(request: HttpRequest, number: str) -> HttpResponse:
    provider = payments.get_provider("manual")
    if not isinstance(provider, payments.ManualProvider):
        raise Http404("Manual payments are not enabled")

    def run(quote: Quote, data: dict[str, Any]) -> None:
        provider.confirm(
            quote, actor=_me(request), reference=data["reference"], amount=data["amount"], now=timezone.now()
        )

    return _staff_form_action(
        request,
        number,
        forms.ManualPaymentForm,
        "payment_form",
        run,
        _("Payment confirmed; the intervention is scheduled."),
    )


@require_POST
@staff_required
def staff_schedule(request: HttpRequest, number: str) -> HttpResponse:
    def run(quote: Quote, data: dict[str, Any]) -> None:
        actions.schedule_intervention(quote, actor=_me(request), now=timezone.now())

    return _staff_form_action(request, number, None, "", run, _("Intervention scheduled."))


def _intervention(quote: Quote) -> Intervention:
    intervention = getattr(quote, "intervention", None)
    if intervention is None:
        raise ActionRefused("not_scheduled", _("This quote has no intervention yet."))
    return intervention


@require_POST
@staff_required
def staff_move(request: HttpRequest, number: str) -> HttpResponse:
    def run(quote: Quote, data: dict[str, Any]) -> None:
        actions.move_intervention(
            _intervention(quote),
            actor=_me(request),
            starts_at=data["starts_at"],
            reason=data["reason"],
            now=timezone.now(),
        )

    return _staff_form_action(
        request, number, forms.MoveForm, "move_form", run, _("Intervention moved; both sides are told.")
    )


@require_POST
@staff_required
def staff_report(request: HttpRequest, number: str) -> HttpResponse:
    def run(quote: Quote, data: dict[str, Any]) -> None:
        actions.record_report(
            _intervention(quote),
            actor=_me(request),
            steps=data["steps"],
            commands=data["commands"],
            outcome=data["outcome"],
            outcome_notes=data["outcome_notes"],
            minutes_spent=data["minutes_spent"],
            fields={k[len("field_") :]: v for k, v in data.items() if k.startswith("field_")},
            now=timezone.now(),
        )

    return _staff_form_action(request, number, forms.ReportForm, "report_form", run, _("Operation report saved."))


@require_POST
@staff_required
def staff_done(request: HttpRequest, number: str) -> HttpResponse:
    def run(quote: Quote, data: dict[str, Any]) -> None:
        actions.complete_intervention(_intervention(quote), actor=_me(request), now=timezone.now())

    return _staff_form_action(
        request, number, None, "", run, _("Intervention done; the invoice and the report are sent to the customer.")
    )


@require_POST
@staff_required
def staff_credit_note(request: HttpRequest, number: str) -> HttpResponse:
    invoice: Invoice = queries.get_invoice_for(request.user, number)

    def run(quote: Quote, data: dict[str, Any]) -> None:
        actions.issue_credit_note(invoice, actor=_me(request), reason=data["reason"], now=timezone.now())

    return _staff_form_action(
        request, invoice.quote.number, forms.CreditNoteForm, "credit_form", run, _("Credit note issued.")
    )


def _refund_provider(quote: Quote) -> payments.PaymentProvider | None:
    payment = Payment.objects.filter(quote=quote).first()
    if payment is None:
        return None
    return payments.get_provider(payment.provider) or payments.get_provider("manual")


@require_POST
@staff_required
def staff_refund(request: HttpRequest, number: str) -> HttpResponse:
    """Billing staff refund a payment: through the provider when it can, else recorded."""

    def run(quote: Quote, data: dict[str, Any]) -> None:
        payment = Payment.objects.filter(quote=quote).first()
        actions.check_can_refund(payment, actor=_me(request), reason=data["reason"])
        assert payment is not None  # noqa: S101 - refused above otherwise
        provider = _refund_provider(quote)
        if provider is None:
            raise ActionRefused("not_offered", _("This payment's provider is no longer configured."))
        provider.refund(
            payment, actor=_me(request), reference=data["reference"], reason=data["reason"], now=timezone.now()
        )

    return _staff_form_action(
        request, number, forms.RefundForm, "refund_form", run, _("Payment refunded; the intervention is cancelled.")
    )


# --- bank statements -----------------------------------------------------------------------


def _billing_only(request: HttpRequest) -> None:
    me = _me(request)
    if not (me.is_superuser or me.role in {Role.BILLING, Role.SUPERVISOR}):
        raise PermissionDenied


def _statements_page(request: HttpRequest, *, status: int = 200, **given: Any) -> HttpResponse:
    return render(
        request,
        "infogerencia/statements.html",
        {
            "form": given.get("form") or forms.StatementForm(),
            "resolve_form": forms.ResolveCreditForm(),
            "waiting": queries.credits_to_decide(),
            "statements": queries.recent_statements(),
            "result": given.get("result"),
        },
        status=status,
    )


@staff_required
def staff_statements(request: HttpRequest) -> HttpResponse:
    """Import a CAMT.053 statement; the credits the desk could not apply, for a person to decide."""
    _billing_only(request)
    if request.method != "POST":
        return _statements_page(request)
    form = forms.StatementForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["statement"]
        if upload.size > sepa.MAX_STATEMENT_BYTES:
            form.add_error("statement", _("The file is larger than 10 MB."))
        else:
            try:
                result = actions.import_statement(
                    data=upload.read(), filename=upload.name, actor=_me(request), now=timezone.now()
                )
            except ActionRefused as error:
                _refused(request, form, error)
            else:
                return _statements_page(request, result=result)
    return _statements_page(request, status=400, form=form)


@require_POST
@staff_required
def staff_resolve_credit(request: HttpRequest, pk: int) -> HttpResponse:
    _billing_only(request)
    credit = get_object_or_404(StatementCredit, pk=pk)
    form = forms.ResolveCreditForm(request.POST)
    if form.is_valid():
        try:
            actions.resolve_credit(
                credit, actor=_me(request), decision=form.cleaned_data["decision"], now=timezone.now()
            )
        except ActionRefused as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Noted; the credit leaves the list."))
    else:
        messages.error(request, _("Say what you decided."))
    return redirect("infogerencia:staff_statements")


# --- payment notifications -----------------------------------------------------------------


@csrf_exempt
def payment_webhook(request: HttpRequest, provider: str) -> JsonResponse:
    """A payment provider's notification. Verified with the provider's own scheme; JSON out;
    a 4xx with a logged reason for anything it refuses, never a 500 for bad input."""
    if request.method != "POST":
        return JsonResponse({"error": "method_not_allowed", "message": "POST only"}, status=405)
    handler = payments.get_provider(provider)
    if handler is None or not handler.receives_webhooks:
        return JsonResponse({"error": "unknown_provider", "message": "no such webhook"}, status=404)
    answer = handler.handle(request, now=timezone.now())
    return JsonResponse(answer.body, status=answer.status)
