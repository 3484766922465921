from django.urls import path

from portal import views

app_name = "portal"
urlpatterns = [
    path("support/", views.support, name="support"),
    path("support/tickets/<int:number>/", views.ticket_detail, name="ticket"),
]
