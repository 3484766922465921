from django.urls import URLPattern, URLResolver, path, re_path

from api import ovh, views
from api.rest import api

app_name = "api"


def _rest_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """The REST API's URLs, each view wrapped so a method the path does not have answers 405 with
    the API's JSON error body (ninja answers it in plain text)."""
    patterns, app, namespace = api.urls
    wrapped: list[URLPattern | URLResolver] = [
        URLPattern(item.pattern, views.json_not_allowed(item.callback), item.default_args, item.name)
        if isinstance(item, URLPattern)
        else item
        for item in patterns
    ]
    return wrapped, app, namespace


urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", _rest_urls()),
    re_path(r"^api/v1/", views.api_not_found, name="api_not_found"),
    path("api/tokens/", views.tokens, name="tokens"),
    path("api/tokens/<int:pk>/revoke/", views.revoke_token, name="revoke_token"),
    path("api/credentials/<str:token>/", views.validate_credential, name="validate_credential"),
    re_path(r"^(?P<version>1\.0|v1)/(?P<path>.*)$", ovh.dispatch, name="ovh"),
]
