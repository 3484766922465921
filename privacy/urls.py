from django.urls import path

from privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("exports/<int:pk>/download/", views.download, name="download"),
    path("people/<int:pk>/", views.person, name="person"),
]
