"""The pages: who sees what (another customer gets a 404), forms that keep what was typed, and
list pages whose cost does not grow with the number of rows."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from infogerencia import actions
from infogerencia.models import Invoice, QuoteState


class TestVisibility:
    def test_another_customer_cannot_see_download_or_decide_a_quote(self, client, desk, pipeline):
        quote = pipeline.sent()
        client.force_login(desk.pedro)
        base = f"/infogerencia/manager/quotes/{quote.number}/"
        assert client.get(base).status_code == 404
        assert client.get(f"/infogerencia/quotes/{quote.number}/pdf/").status_code == 404
        assert client.post(base + "accept/", {}).status_code == 404
        assert client.post(base + "reject/", {"reason": "no"}).status_code == 404
        quote.refresh_from_db()
        assert quote.state == QuoteState.SENT

    def test_a_draft_is_invisible_to_its_own_customer(self, client, desk, pipeline):
        quote = pipeline.draft()
        client.force_login(desk.lucia)
        assert client.get(f"/infogerencia/manager/quotes/{quote.number}/").status_code == 404

    def test_staff_pages_are_for_staff_and_customer_pages_for_customers(self, client, desk, pipeline):
        quote = pipeline.sent()
        client.force_login(desk.lucia)
        assert client.get(f"/infogerencia/console/quotes/{quote.number}/").status_code == 403
        assert client.get("/infogerencia/console/").status_code == 403
        client.force_login(desk.l2_commercial)
        assert client.get(f"/infogerencia/manager/quotes/{quote.number}/").status_code == 404
        assert client.get(f"/infogerencia/console/quotes/{quote.number}/").status_code == 200

    def test_another_customer_cannot_download_an_invoice(self, client, desk, pipeline, morning):
        from infogerencia.tests.test_invoices import finish

        invoice = finish(desk, pipeline.paid(), morning)
        client.force_login(desk.pedro)
        assert client.get(f"/infogerencia/invoices/{invoice.number}/pdf/").status_code == 404
        client.force_login(desk.lucia)
        assert client.get(f"/infogerencia/invoices/{invoice.number}/pdf/").status_code == 200


class TestForms:
    def test_a_refused_reject_keeps_the_page_and_says_why(self, client, desk, pipeline):
        quote = pipeline.sent()
        client.force_login(desk.lucia)
        response = client.post(f"/infogerencia/manager/quotes/{quote.number}/reject/", {"reason": ""})
        assert response.status_code == 400
        assert 'class="errorlist' in response.content.decode()

    def test_a_bad_requested_start_is_shown_on_its_field_with_the_input_kept(self, client, desk, pipeline):
        quote = pipeline.sent()
        client.force_login(desk.lucia)
        response = client.post(
            f"/infogerencia/manager/quotes/{quote.number}/accept/", {"requested_start": "2027-03-06T10:00"}
        )
        page = response.content.decode()
        assert response.status_code == 400 and "2027-03-06T10:00" in page and 'class="errorlist' in page

    def test_a_bad_line_keeps_what_was_typed(self, client, desk, pipeline):
        quote = pipeline.draft()
        client.force_login(desk.l2_commercial)
        response = client.post(
            f"/infogerencia/console/quotes/{quote.number}/lines/",
            {"description": "Migración de correo", "quantity": "2", "unit_price": "", "discount_percent": ""},
        )
        assert response.status_code == 400
        assert "Migración de correo" in response.content.decode()
        assert quote.lines.count() == 1

    def test_the_ticket_panel_offers_a_draft_to_commercial_staff_only(self, desk, pipeline):
        ticket = pipeline.ticket()
        staff = render_to_string("infogerencia/ticket_panel.html", {"ticket": ticket, "user": desk.l2_commercial})
        customer = render_to_string("infogerencia/ticket_panel.html", {"ticket": ticket, "user": desk.lucia})
        assert f"/infogerencia/console/tickets/{ticket.number}/quote/" in staff
        assert "/quote/" not in customer


class TestListCosts:
    @pytest.mark.parametrize("count", [1, 6])
    def test_the_customers_list_costs_the_same_at_any_size(
        self, client, desk, pipeline, django_assert_num_queries, count
    ):
        from infogerencia.tests.test_invoices import finish

        for _ in range(count):
            finish(desk, pipeline.paid(), pipeline.now)
        client.force_login(desk.lucia)
        # session + user, quotes, invoices, the Manager's banner of open outages on her services
        with django_assert_num_queries(5):
            response = client.get("/infogerencia/manager/")
        assert response.status_code == 200
        assert response.content.decode().count("/infogerencia/manager/quotes/P-") == count

    @pytest.mark.parametrize("count", [1, 6])
    def test_the_staff_list_costs_the_same_at_any_size(self, client, desk, pipeline, django_assert_num_queries, count):
        for _ in range(count):
            pipeline.paid()
        client.force_login(desk.supervisor)
        # session + user, quotes, interventions, invoices, webhook deliveries
        with django_assert_num_queries(6):
            response = client.get("/infogerencia/console/")
        assert response.status_code == 200


class TestStaffWorkspace:
    def test_the_quote_page_renders_at_every_step(self, client, desk, pipeline, morning):
        from infogerencia.tests.test_invoices import finish

        quotes = {
            "draft": pipeline.draft(),
            "sent": pipeline.sent(),
            "accepted": pipeline.accepted(),
            "paid": pipeline.paid(),
        }
        done = pipeline.paid()
        invoice = finish(desk, done, morning)
        client.force_login(desk.l3)
        for state, quote in quotes.items():
            page = client.get(f"/infogerencia/console/quotes/{quote.number}/")
            assert page.status_code == 200, state
        paid_page = client.get(f"/infogerencia/console/quotes/{quotes['paid'].number}/").content.decode()
        assert 'name="field_php_version"' in paid_page and 'name="starts_at"' in paid_page
        done_page = client.get(f"/infogerencia/console/quotes/{done.number}/").content.decode()
        assert invoice.number in done_page and "Quote sent" in done_page and "quote_sent" not in done_page
        home = client.get("/infogerencia/console/").content.decode()
        assert quotes["paid"].number in home


class TestWhoSeesWhichForm:
    def test_an_l1_technician_is_not_shown_the_l3_forms_and_a_post_is_403(self, client, desk, pipeline, morning):
        from infogerencia.tests.test_invoices import finish

        paid, done = pipeline.paid(), pipeline.paid()
        invoice = finish(desk, done, morning)
        forms = ("/move/", "/report/", "/credit-note/", "/refund/", "/payment/", "/schedule/")
        client.force_login(desk.l1)
        for quote in (paid, done):
            page = client.get(f"/infogerencia/console/quotes/{quote.number}/").content.decode()
            assert not [action for action in forms if f'{action}"' in page], page
        move = {"starts_at": "2027-03-10T10:00", "reason": "Otro día"}
        response = client.post(f"/infogerencia/console/quotes/{paid.number}/move/", move)
        assert response.status_code == 403 and "Only the administrator in charge" in response.content.decode()
        report = {"steps": "x", "outcome": "success", "minutes_spent": "5"}
        report |= {f"field_{key}": "ok" for key, _label in actions.required_fields(paid.intervention)}
        assert client.post(f"/infogerencia/console/quotes/{paid.number}/report/", report).status_code == 403
        credit = client.post(f"/infogerencia/console/invoices/{invoice.number}/credit-note/", {"reason": "Error"})
        assert credit.status_code == 403 and not Invoice.objects.filter(rectifies=invoice).exists()

    def test_each_role_sees_the_forms_it_may_use(self, client, desk, pipeline, morning):
        from infogerencia.tests.test_invoices import finish

        paid, done = pipeline.paid(), pipeline.paid()
        finish(desk, done, morning)
        client.force_login(desk.l3)
        page = client.get(f"/infogerencia/console/quotes/{paid.number}/").content.decode()
        assert '/move/"' in page and '/report/"' in page and '/credit-note/"' not in page
        client.force_login(desk.billing)
        page = client.get(f"/infogerencia/console/quotes/{done.number}/").content.decode()
        assert '/credit-note/"' in page and '/move/"' not in page
        draft = pipeline.draft()
        for person, shown in ((desk.l2_commercial, True), (desk.l1, False)):
            client.force_login(person)
            page = client.get(f"/infogerencia/console/quotes/{draft.number}/").content.decode()
            assert ('/terms/"' in page) is shown and ('/send/"' in page) is shown
