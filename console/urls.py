from django.urls import path

from console import views
from sla import views as sla_views

app_name = "console"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket"),
    path("sla/", sla_views.report, name="sla_report"),
]
