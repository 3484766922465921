from django.urls import URLPattern, URLResolver

app_name = "guides"
urlpatterns: list[URLPattern | URLResolver] = []
