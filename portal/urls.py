from django.urls import path
from django.views.generic import RedirectView

from portal import contacts, views

app_name = "portal"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:products"), name="home"),
    path("products/", views.products, name="products"),
    path("support/", views.support, name="support"),
    path("contacts/", contacts.contacts, name="contacts"),
    path("contacts/new/", contacts.contact_new, name="contact_new"),
    path("contacts/<int:pk>/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/active/", contacts.contact_active, name="contact_active"),
    # Direct links: stable addresses that open each form (?service=<reference>&type=<code>).
    path("support/incident/new/", views.incident_new, name="incident_new"),
    path("support/assistance/new/", views.assistance_new, name="assistance_new"),
    path("support/tickets/<int:number>/", views.ticket_detail, name="ticket"),
    path("support/tickets/<int:number>/reply/", views.ticket_reply, name="ticket_reply"),
    path("support/tickets/<int:number>/close/", views.ticket_close, name="ticket_close"),
    path("support/tickets/<int:number>/reopen/", views.ticket_reopen, name="ticket_reopen"),
    path("support/tickets/<int:number>/score/", views.ticket_score, name="ticket_score"),
    path(
        "support/tickets/<int:number>/attachments/<str:token>/",
        views.attachment_download,
        name="attachment",
    ),
]
