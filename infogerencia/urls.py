from django.urls import URLPattern, URLResolver

app_name = "infogerencia"
urlpatterns: list[URLPattern | URLResolver] = []
