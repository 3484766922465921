from django.urls import path

from guides import views

app_name = "guides"
urlpatterns = [
    path("", views.index, name="index"),
    path("suggest/", views.suggest, name="suggest"),
    path("<slug:slug>/", views.article, name="article"),
]
