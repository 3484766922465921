"""REST API v1: quotes (read, accept, reject), invoices (read, PDF) and the guides' search, with
the pages' visibility: one customer's token reaches nothing of another's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import override_settings

from guides.loader import load_articles
from infogerencia import actions
from infogerencia.models import Quote, QuoteState
from infogerencia.tests.conftest import TUESDAY_10_MADRID, Pipeline
from tickets.models import EventKind, TicketEvent


def error(response):  # type: ignore[no-untyped-def]
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}, body
    return body["error"]


@pytest.fixture(autouse=True)
def _pinned_morning():  # type: ignore[no-untyped-def]
    """The pipeline's Tuesday morning in Madrid, for the actions and for the API's clock."""
    with override_settings(TIERDESK_INTERVENTION_LEAD_MINUTES=60), time_machine.travel(TUESDAY_10_MADRID, tick=False):
        yield


@pytest.fixture
def pipeline(desk: Any, catalogue: None) -> Pipeline:
    return Pipeline(desk, TUESDAY_10_MADRID)


def finish(desk: Any, quote: Quote) -> Any:
    """Report and complete the paid quote's intervention: the invoice is issued."""
    intervention = quote.intervention
    actions.record_report(
        intervention,
        actor=desk.l3,
        steps="Hecho",
        outcome="success",
        minutes_spent=60,
        fields={key: "ok" for key, _label in actions.required_fields(intervention)},
        now=TUESDAY_10_MADRID,
    )
    return actions.complete_intervention(intervention, actor=desk.l3, now=TUESDAY_10_MADRID)


@pytest.fixture
def documents(desk, pipeline):  # type: ignore[no-untyped-def]
    """Lucía: a sent quote, a draft and an invoiced quote; Pedro: a sent quote."""
    invoiced = pipeline.paid()
    return {
        "sent": pipeline.sent(),
        "draft": pipeline.draft(),
        "invoiced": invoiced,
        "invoice": finish(desk, invoiced),
        "pedro": pipeline.sent(ticket=pipeline.ticket(customer=desk.pedro)),
    }


def test_one_customers_token_reaches_nothing_of_anothers(desk, make_api, documents):  # type: ignore[no-untyped-def]
    pedro = make_api(desk.pedro)
    theirs = [documents[name].number for name in ("sent", "draft", "invoiced")]
    for number in theirs:
        for path in (f"/quotes/{number}", f"/quotes/{number}/pdf"):
            answer = pedro.get(path)
            assert answer.status_code == 404 and error(answer)["code"] == "not_found", path
        accept = pedro.post(f"/quotes/{number}/accept", {})
        reject = pedro.post(f"/quotes/{number}/reject", {"reason": "no"})
        assert (accept.status_code, reject.status_code) == (404, 404)
    invoice = documents["invoice"].number
    assert pedro.get(f"/invoices/{invoice}").status_code == 404
    assert pedro.get(f"/invoices/{invoice}/pdf").status_code == 404
    assert [q["number"] for q in pedro.get("/quotes").json()["items"]] == [documents["pedro"].number]
    assert pedro.get("/invoices").json()["items"] == []
    # Lucía's own token: her sent quotes and invoice, never her drafts, never Pedro's.
    lucia = make_api(desk.lucia)
    listed = {q["number"] for q in lucia.get("/quotes").json()["items"]}
    assert listed == {documents["sent"].number, documents["invoiced"].number}
    assert lucia.get(f"/quotes/{documents['draft'].number}").status_code == 404
    assert lucia.get(f"/quotes/{documents['pedro'].number}").status_code == 404
    assert [i["number"] for i in lucia.get("/invoices").json()["items"]] == [invoice]
    unknown = lucia.get("/quotes/P-2027-99999")
    assert unknown.status_code == 404 and unknown.json() == pedro.get(f"/quotes/{theirs[0]}").json()


def test_staff_see_every_quote_and_invoice_but_only_customers_decide(desk, make_api, documents):  # type: ignore[no-untyped-def]
    for person in (desk.supervisor, desk.l2_commercial, desk.billing, desk.l1):
        staff = make_api(person)
        listed = {q["number"] for q in staff.get("/quotes", limit=100).json()["items"]}
        assert listed == {documents[name].number for name in ("sent", "draft", "invoiced", "pedro")}
        assert staff.get(f"/invoices/{documents['invoice'].number}").status_code == 200
    staff = make_api(desk.supervisor)
    draft = staff.get(f"/quotes/{documents['draft'].number}").json()
    assert draft["state"] == "draft" and draft["gross"] != "0.00"  # a draft shows its lines' totals
    refused = staff.post(f"/quotes/{documents['sent'].number}/accept", {})
    assert refused.status_code == 403 and error(refused)["code"] == "customer_only"
    assert staff.get("/quotes", state="draft").json()["items"][0]["number"] == documents["draft"].number


def test_a_customer_reads_and_accepts_a_quote(desk, make_api, documents):  # type: ignore[no-untyped-def]
    quote = documents["sent"]
    reader = make_api(desk.lucia, scope="read")
    read = reader.get(f"/quotes/{quote.number}")
    assert read.status_code == 200
    body = read.json()
    assert (body["state"], body["ticket"], body["currency"], body["language"]) == (
        "sent",
        quote.ticket.number,
        "EUR",
        quote.language,
    )
    assert body["gross"] == f"{quote.gross:.2f}" and body["net"] == f"{quote.net:.2f}"
    assert [line["description"] for line in body["lines"]] == [line.description for line in quote.lines.all()]
    assert body["lines"][0]["net"] == body["net"] and body["pdf_url"] == f"/api/v1/quotes/{quote.number}/pdf"
    refused = reader.post(f"/quotes/{quote.number}/accept", {})
    assert refused.status_code == 403 and error(refused)["code"] == "insufficient_scope"
    assert Quote.objects.get(pk=quote.pk).state == QuoteState.SENT

    writer = make_api(desk.lucia)
    start = TUESDAY_10_MADRID + timedelta(days=1)  # Wednesday 10:00 in Madrid
    accepted = writer.post(f"/quotes/{quote.number}/accept", {"requested_start": start.isoformat()})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["state"] == "accepted" and accepted.json()["decided_at"] is not None
    stored = Quote.objects.get(pk=quote.pk)
    assert (stored.state, stored.decided_by, stored.requested_start) == (QuoteState.ACCEPTED, desk.lucia, start)
    assert TicketEvent.objects.filter(ticket=quote.ticket, kind=EventKind.UPDATED, data__step="quote_accepted").exists()
    again = writer.post(f"/quotes/{quote.number}/accept", {})
    assert again.status_code == 409 and error(again)["code"] == "quote_not_open"


def test_bad_requested_starts_are_refused_with_a_field(desk, make_api, documents):  # type: ignore[no-untyped-def]
    api = make_api(desk.lucia)
    number = documents["sent"].number
    too_soon = api.post(f"/quotes/{number}/accept", {"requested_start": TUESDAY_10_MADRID.isoformat()})
    assert too_soon.status_code == 400 and error(too_soon)["code"] == "requested_start_too_soon"
    assert error(too_soon)["field"] == "requested_start"
    for odd in ("9999-12-31T23:59:59", "0001-01-01T00:00:00+05:00", "not a date"):
        answer = api.post(f"/quotes/{number}/accept", {"requested_start": odd})
        assert answer.status_code in {400, 422}, (odd, answer.content)
        assert error(answer)["field"] == "requested_start"
    assert Quote.objects.get(number=number).state == QuoteState.SENT


def test_an_expired_quote_cannot_be_accepted(desk, make_api, documents):  # type: ignore[no-untyped-def]
    quote = documents["sent"]
    api = make_api(desk.lucia)
    with time_machine.travel(TUESDAY_10_MADRID + timedelta(days=60), tick=False):
        answer = api.post(f"/quotes/{quote.number}/accept", {})
    assert answer.status_code == 409 and error(answer)["code"] == "quote_expired"
    assert Quote.objects.get(pk=quote.pk).state == QuoteState.SENT


def test_a_customer_rejects_a_quote_with_a_reason(desk, make_api, documents):  # type: ignore[no-untyped-def]
    quote = documents["sent"]
    api = make_api(desk.lucia)
    missing = api.post(f"/quotes/{quote.number}/reject", {})
    assert missing.status_code == 422 and error(missing)["field"] == "reason"
    blank = api.post(f"/quotes/{quote.number}/reject", {"reason": "   "})
    assert blank.status_code == 400 and error(blank) == {
        "code": "reason_required",
        "message": error(blank)["message"],
        "field": "reason",
    }
    rejected = api.post(f"/quotes/{quote.number}/reject", {"reason": "Demasiado caro"})
    assert rejected.status_code == 200, rejected.content
    assert (rejected.json()["state"], rejected.json()["rejection_reason"]) == ("rejected", "Demasiado caro")
    assert Quote.objects.get(pk=quote.pk).state == QuoteState.REJECTED
    late = api.post(f"/quotes/{quote.number}/accept", {})
    assert late.status_code == 409 and error(late)["code"] == "quote_not_open"


def test_pdfs_of_quotes_and_invoices(desk, make_api, documents):  # type: ignore[no-untyped-def]
    api = make_api(desk.lucia, scope="read")
    invoice = documents["invoice"]
    body = api.get(f"/invoices/{invoice.number}").json()
    assert (body["kind"], body["quote"], body["rectifies"]) == ("invoice", documents["invoiced"].number, None)
    assert body["gross"] == f"{invoice.gross:.2f}" and body["vat_breakdown"] == invoice.vat_breakdown
    assert body["lines"] == invoice.lines and body["due_date"] == invoice.due_date.isoformat()
    for path in (body["pdf_url"], f"/api/v1/quotes/{documents['sent'].number}/pdf"):
        answer = api.client.get(path, headers={"Authorization": f"Bearer {api.token}"})
        assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
        assert answer.content.startswith(b"%PDF") and b"%%EOF" in answer.content[-64:]
        assert "attachment;" in answer["Content-Disposition"]
    credit = actions.issue_credit_note(invoice, actor=desk.billing, reason="Reembolso", now=TUESDAY_10_MADRID)
    listed = api.get("/invoices", kind="credit_note").json()["items"]
    assert [(i["number"], i["rectifies"]) for i in listed] == [(credit.number, invoice.number)]
    assert listed[0]["gross"].startswith("-")
    assert api.get(f"/quotes/{documents['invoiced'].number}").json()["invoices"] == [invoice.number, credit.number]


def test_lists_page_with_a_cursor(desk, make_api, pipeline):  # type: ignore[no-untyped-def]
    numbers = []
    for minutes in range(5):
        pipeline.now = TUESDAY_10_MADRID + timedelta(minutes=minutes)
        numbers.append(pipeline.sent().number)
    api = make_api(desk.lucia)
    seen, cursor = [], None
    for _page in range(5):
        page = api.get("/quotes", limit=2, **({"cursor": cursor} if cursor else {})).json()
        seen += [q["number"] for q in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(numbers))
    bad = api.get("/quotes", cursor="nope")
    assert bad.status_code == 400 and error(bad)["code"] == "invalid_cursor"
    assert api.get("/invoices", cursor="nope").status_code == 400


@pytest.mark.parametrize(
    ("language", "words", "slug", "title"),
    [
        ("es", "niveles de soporte", "niveles-de-soporte", "Niveles de soporte"),
        ("en", "support levels", "niveles-de-soporte", "Support levels"),
        ("fr", "niveaux de support", "niveles-de-soporte", "Niveaux de support"),
        ("en", "mail account", "configurar-cuenta-correo", "Set up a mail account"),
        ("fr", "compte e-mail", "configurar-cuenta-correo", "Configurer un compte e-mail"),
    ],
)
def test_guides_search_in_each_language(desk, make_api, language, words, slug, title):  # type: ignore[no-untyped-def]
    load_articles()
    api = make_api(desk.lucia, scope="read")
    answer = api.get("/guides", q=words, language=language)
    assert answer.status_code == 200, answer.content
    first = answer.json()["items"][0]
    assert (first["slug"], first["title"], first["language"]) == (slug, title, language)
    assert first["url"] == f"/guides/{slug}/"


def test_guides_search_speaks_the_token_owners_language_and_checks_its_input(desk, make_api):  # type: ignore[no-untyped-def]
    load_articles()
    desk.pedro.language = "fr"
    desk.pedro.save(update_fields=["language"])
    api = make_api(desk.pedro, scope="read")
    first = api.get("/guides", q="niveaux support").json()["items"][0]
    assert (first["title"], first["category"]) == ("Niveaux de support", "Support")
    assert api.get("/guides", q="zzzzqqq").json() == {"items": []}
    assert api.get("/guides", q="de la").json() == {"items": []}  # only short or common words
    for params in ({}, {"q": "x" * 201}, {"q": "dns", "language": "de"}, {"q": "dns", "limit": 0}):
        answer = api.get("/guides", **params)
        assert answer.status_code == 422 and error(answer)["code"] == "validation_error", params
    assert api.client.get("/api/v1/guides", {"q": "dns"}).status_code == 401
