from django.urls import URLPattern, URLResolver, path, re_path

from api import ovh, views
from api.rest import api

app_name = "api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", views.api_not_found, name="api_not_found"),
    path("api/tokens/", views.tokens, name="tokens"),
    path("api/tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path("api/credentials/<str:token>/", views.validate_credential, name="validate_credential"),
    re_path(r"^(?P<version>1\.0|v1)/(?P<path>.*)$", ovh.dispatch, name="ovh"),
]
