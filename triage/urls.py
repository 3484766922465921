from django.urls import path

from triage import views

app_name = "triage"
urlpatterns = [
    path("monitoring/alerts", views.monitoring_alert, name="monitoring_alerts"),
    path("tickets/<int:number>/", views.ticket_triage, name="ticket"),
    path("tickets/<int:number>/rerun/", views.rerun, name="rerun"),
    path("tickets/<int:number>/runs/<int:run_id>/override/", views.override, name="override"),
    path("flagged/", views.flagged, name="flagged"),
    path("outages/", views.outage_list, name="outages"),
    path("outages/<int:pk>/", views.outage_detail, name="outage"),
]
