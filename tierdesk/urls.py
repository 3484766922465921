from django.contrib import admin
from django.urls import include, path

from tierdesk import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("health/work/", views.health_work, name="health-work"),
    path("accounts/", include("accounts.urls")),
    path("manager/", include("portal.urls")),
    path("console/automations/", include("automations.urls")),
    path("console/", include("console.urls")),
    path("guides/", include("guides.urls")),
    path("triage/", include("triage.urls")),
    path("infogerencia/", include("infogerencia.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("api.urls")),
    path("admin/", admin.site.urls),
]
