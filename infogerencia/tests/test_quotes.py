"""Quotes: drafting from a ticket (also a phone ticket), lines, VAT by country, the states and who
may see or decide them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from accounts.actions import create_customer
from conftest import DEMO_PASSWORD
from infogerencia import actions
from infogerencia.models import InterventionType, QuoteState
from tickets import actions as ticket_actions
from tickets.errors import ActionRefused, Forbidden, InvalidInput, NotFound


def steps(ticket):  # type: ignore[no-untyped-def]
    return [e.data.get("step") for e in ticket.events.filter(kind="updated").order_by("id")]


class TestDrafting:
    def test_it_drafts_from_a_phone_ticket_with_spanish_vat(self, desk, pipeline, morning):
        desk.pedro.language = "es"  # Pedro speaks Spanish: the catalogue line is named in Spanish
        desk.pedro.save(update_fields=["language"])
        ticket = ticket_actions.open_ticket(
            organisation=desk.pedro.organisation,
            requester=desk.pedro,
            service=desk.mail,
            category=desk.category("quote_intervention"),
            subject="Vaciar la cola de Qmail",
            body="Llamada: la cola de Qmail está llena.",
            channel="phone",
            actor=desk.l2_commercial,
            now=morning,
        )
        quote = actions.draft_quote(ticket, actor=desk.l2_commercial, now=morning)
        assert (quote.state, quote.currency, quote.vat_rate) == (QuoteState.DRAFT, "EUR", Decimal("21"))
        assert quote.valid_until == date(2027, 3, 2) + timedelta(days=30)
        qmail = InterventionType.objects.get(code="flush-qmail-queue")
        line = actions.add_quote_line(
            quote, actor=desk.l2_commercial, intervention_type=qmail, quantity="1", now=morning
        )
        assert (line.description, line.unit_price) == ("Vaciar la cola de Qmail", Decimal("45.00"))
        actions.add_quote_line(
            quote,
            actor=desk.l2_commercial,
            description="Revisión de SPF y DKIM",
            quantity="1.5",
            unit_price="40",
            discount_percent="10",
            now=morning,
        )
        quote = actions.send_quote(quote, actor=desk.l2_commercial, now=morning)
        # 45 + 1.5 × 40 × 0.9 = 99.00 base; 21 % VAT = 20.79.
        assert (quote.net, quote.vat_total, quote.gross) == (Decimal("99.00"), Decimal("20.79"), Decimal("119.79"))
        assert steps(ticket) == ["quote_drafted", "quote_line_added", "quote_line_added", "quote_sent"]

    def test_a_french_customer_pays_french_vat_and_a_french_business_none(self, desk, pipeline, morning):
        client = create_customer(
            name="Jean Dupont", email="jd@example.fr", password=DEMO_PASSWORD, country="FR", language="fr"
        )
        ticket = pipeline.ticket(customer=client)
        assert actions.draft_quote(ticket, actor=desk.l2_commercial, now=morning).vat_rate == Decimal("20")
        organisation = client.organisation
        assert organisation is not None
        organisation.vat_id = "FR12345678901"
        organisation.save(update_fields=["vat_id"])
        quote = actions.draft_quote(ticket, actor=desk.l2_commercial, now=morning)
        assert quote.vat_rate == Decimal("0") and quote.language == "fr"

    def test_only_commercial_staff_draft_and_send(self, desk, pipeline, morning):
        ticket = pipeline.ticket()
        for person in (desk.l2, desk.l3, desk.billing, desk.lucia):
            with pytest.raises(Forbidden):
                actions.draft_quote(ticket, actor=person, now=morning)
        quote = pipeline.draft(ticket=ticket)
        with pytest.raises(Forbidden):
            actions.send_quote(quote, actor=desk.l2, now=morning)

    def test_bad_lines_are_refused_and_nothing_is_written(self, desk, pipeline, morning):
        quote = actions.draft_quote(pipeline.ticket(), actor=desk.l2_commercial, now=morning)
        cases: list[tuple[dict[str, Any], str]] = [
            ({"quantity": "0", "unit_price": "10"}, "quantity"),
            ({"quantity": "abc", "unit_price": "10"}, "quantity"),
            ({"quantity": "1", "unit_price": "-5"}, "unit_price"),
            ({"quantity": "1", "unit_price": "10", "discount_percent": "150"}, "discount_percent"),
            ({"quantity": "1", "unit_price": "10.001"}, "unit_price"),
            ({"quantity": "1"}, "unit_price"),
        ]
        for values, field in cases:
            with pytest.raises(InvalidInput) as refused:
                actions.add_quote_line(quote, actor=desk.l2_commercial, description="x", now=morning, **values)
            assert refused.value.field == field, values
        assert not quote.lines.exists()
        with pytest.raises(ActionRefused) as empty:
            actions.send_quote(quote, actor=desk.l2_commercial, now=morning)
        assert empty.value.code == "quote_empty"

    def test_a_catalogue_line_must_fit_the_service(self, desk, pipeline, morning):
        # Pedro's hosting plan cannot have its PHP recompiled (that is for servers).
        ticket = pipeline.ticket(customer=desk.pedro, service=desk.hosting)
        quote = actions.draft_quote(ticket, actor=desk.l2_commercial, now=morning)
        with pytest.raises(InvalidInput) as refused:
            actions.add_quote_line(
                quote,
                actor=desk.l2_commercial,
                intervention_type=InterventionType.objects.get(code="recompile-php"),
                quantity="1",
                now=morning,
            )
        assert refused.value.code == "intervention_not_for_product"

    def test_a_sent_quote_is_no_longer_edited(self, desk, pipeline, morning):
        quote = pipeline.sent()
        with pytest.raises(ActionRefused) as refused:
            actions.add_quote_line(quote, actor=desk.l2_commercial, description="x", quantity="1", unit_price="1")
        assert refused.value.code == "quote_not_draft"


class TestDeciding:
    def test_the_customer_accepts_with_a_slot_of_their_own(self, desk, pipeline, morning):
        quote = pipeline.sent()
        # Thursday 4 March, 15:00 Madrid: inside the calendar, the administrator is free.
        wanted = morning + timedelta(days=2, hours=5)
        quote = actions.accept_quote(quote, actor=desk.lucia, requested_start=wanted, now=morning)
        assert (quote.state, quote.requested_start, quote.decided_by) == (QuoteState.ACCEPTED, wanted, desk.lucia)

    @pytest.mark.parametrize(
        ("offset", "code"),
        [
            (timedelta(minutes=30), "requested_start_too_soon"),
            (timedelta(days=4, hours=2), "requested_start_unavailable"),  # Saturday
            (timedelta(hours=7, minutes=30), "requested_start_unavailable"),  # 17:30 + 2 h passes 18:00
        ],
    )
    def test_a_slot_outside_the_rules_is_refused(self, desk, pipeline, morning, offset, code):
        quote = pipeline.sent()
        with pytest.raises(InvalidInput) as refused:
            actions.accept_quote(quote, actor=desk.lucia, requested_start=morning + offset, now=morning)
        assert refused.value.code == code
        quote.refresh_from_db()
        assert quote.state == QuoteState.SENT

    def test_the_customer_rejects_with_a_reason(self, desk, pipeline, morning):
        quote = pipeline.sent()
        with pytest.raises(InvalidInput):
            actions.reject_quote(quote, actor=desk.lucia, reason="  ", now=morning)
        quote = actions.reject_quote(quote, actor=desk.lucia, reason="Demasiado caro", now=morning)
        assert (quote.state, quote.rejection_reason) == (QuoteState.REJECTED, "Demasiado caro")
        with pytest.raises(ActionRefused):
            actions.accept_quote(quote, actor=desk.lucia, now=morning)
        assert "quote_rejected" in steps(quote.ticket)

    def test_another_customer_and_staff_cannot_decide(self, desk, pipeline, morning):
        quote = pipeline.sent()
        with pytest.raises(NotFound):
            actions.accept_quote(quote, actor=desk.pedro, now=morning)
        with pytest.raises(Forbidden):
            actions.accept_quote(quote, actor=desk.l2_commercial, now=morning)

    def test_a_draft_does_not_exist_for_the_customer(self, desk, pipeline, morning):
        with pytest.raises(NotFound):
            actions.accept_quote(pipeline.draft(), actor=desk.lucia, now=morning)


class TestExpiry:
    def test_unpaid_quotes_expire_after_their_validity_date(self, desk, pipeline, morning):
        sent, accepted, paid = pipeline.sent(), pipeline.accepted(), pipeline.paid()
        assert actions.expire_quotes(now=morning + timedelta(days=30)) == 0  # still valid that day
        later = morning + timedelta(days=31)
        assert actions.expire_quotes(now=later) == 2
        for quote, state in [(sent, "expired"), (accepted, "expired"), (paid, "paid")]:
            quote.refresh_from_db()
            assert quote.state == state
        assert "quote_expired" in steps(sent.ticket)
        assert actions.expire_quotes(now=later) == 0

    def test_an_out_of_date_quote_cannot_be_accepted_even_before_the_job_runs(self, desk, pipeline, morning):
        quote = pipeline.sent()
        with pytest.raises(ActionRefused) as refused:
            actions.accept_quote(quote, actor=desk.lucia, now=morning + timedelta(days=40))
        assert refused.value.code == "quote_expired"

    def test_the_scheduler_lists_the_expiry_job(self):
        from tierdesk.schedule import jobs

        assert "expire_quotes" in [job.name for job in jobs()]


class TestCatalogue:
    def test_the_guides_examples_are_installed(self, db):
        codes = set(InterventionType.objects.values_list("code", flat=True))
        assert {"recompile-php", "install-zend-optimizer", "reconfigure-multidomain", "flush-qmail-queue"} <= codes
        php = InterventionType.objects.get(code="recompile-php")
        assert php.name_in("fr") == "Recompiler PHP" and php.estimated_duration == timedelta(hours=2)
        assert [key for key, _label in php.required_field_labels("en")] == [
            "php_version",
            "modules",
            "backup_reference",
        ]

    def test_the_admin_refuses_unknown_products_and_malformed_fields(self, db):
        from django.core.exceptions import ValidationError

        item = InterventionType(
            code="x", name_es="x", name_en="x", name_fr="x", base_price=Decimal("1"),
            estimated_duration=timedelta(minutes=0), products=["toaster"], required_fields=[{"label_es": "x"}],
        )  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            item.full_clean()
        assert {"products", "required_fields", "estimated_duration"} <= set(refused.value.message_dict)
