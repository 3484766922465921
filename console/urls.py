from django.urls import path

from console import views

app_name = "console"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("tickets/<int:number>/", views.ticket_detail, name="ticket"),
]
