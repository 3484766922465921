from django.urls import URLPattern, URLResolver, path

from infogerencia import views

app_name = "infogerencia"
urlpatterns: list[URLPattern | URLResolver] = [
    # The customer's Manager.
    path("manager/", views.customer_home, name="customer_home"),
    path("manager/quotes/<str:number>/", views.customer_quote, name="customer_quote"),
    path("manager/quotes/<str:number>/accept/", views.customer_accept, name="customer_accept"),
    path("manager/quotes/<str:number>/reject/", views.customer_reject, name="customer_reject"),
    path("manager/quotes/<str:number>/pay/<slug:provider>/", views.customer_pay, name="customer_pay"),
    # Documents, for the customer and for staff.
    path("quotes/<str:number>/pdf/", views.quote_pdf, name="quote_pdf"),
    path("invoices/<str:number>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    # Staff.
    path("console/", views.staff_home, name="staff_home"),
    path("console/tickets/<int:ticket_number>/quote/", views.staff_draft, name="staff_draft"),
    path("console/quotes/<str:number>/", views.staff_quote, name="staff_quote"),
    path("console/quotes/<str:number>/lines/", views.staff_add_line, name="staff_add_line"),
    path("console/quotes/<str:number>/lines/<int:line_id>/remove/", views.staff_remove_line, name="staff_remove_line"),
    path("console/quotes/<str:number>/terms/", views.staff_terms, name="staff_terms"),
    path("console/quotes/<str:number>/send/", views.staff_send, name="staff_send"),
    path("console/quotes/<str:number>/payment/", views.staff_confirm_payment, name="staff_confirm_payment"),
    path("console/quotes/<str:number>/schedule/", views.staff_schedule, name="staff_schedule"),
    path("console/quotes/<str:number>/move/", views.staff_move, name="staff_move"),
    path("console/quotes/<str:number>/report/", views.staff_report, name="staff_report"),
    path("console/quotes/<str:number>/done/", views.staff_done, name="staff_done"),
    path("console/quotes/<str:number>/refund/", views.staff_refund, name="staff_refund"),
    path("console/invoices/<str:number>/credit-note/", views.staff_credit_note, name="staff_credit_note"),
    path("console/statements/", views.staff_statements, name="staff_statements"),
    path("console/statements/credits/<int:pk>/resolve/", views.staff_resolve_credit, name="staff_resolve_credit"),
    # Payment providers' notifications: /payments/redsys/webhook/, /payments/stripe/webhook/.
    path("payments/webhook/", views.payment_webhook, {"provider": "webhook"}, name="payment_webhook"),
    path("payments/<slug:provider>/webhook/", views.payment_webhook, name="provider_webhook"),
]
