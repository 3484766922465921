from django.urls import path

from console import views
from slawatch import views as sla_views

app_name = "console"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket"),
    path("sla/", sla_views.report, name="sla_report"),
    path("tickets/<int:number>/do/", views.ticket_action, name="ticket_action"),
    path("attachments/<str:token>/", views.attachment, name="attachment"),
    path("phone/", views.phone_lines, name="phone_lines"),
    path("phone/<int:line_id>/", views.phone, name="phone"),
    path("phone/<int:line_id>/call/", views.phone_call, name="phone_call"),
    path("cti/events/", views.cti_event, name="cti_event"),
    path("search/", views.search_view, name="search"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
