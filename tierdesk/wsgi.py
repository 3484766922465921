"""WSGI entry point: ``gunicorn tierdesk.wsgi``."""

import gc
import os
import sys

from django.core.wsgi import get_wsgi_application

from tierdesk.env import ConfigurationError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
try:
    application = get_wsgi_application()
except ConfigurationError as error:
    # A bad setting: one line naming the variable; exit status 3 stops gunicorn ("failed to boot").
    sys.stderr.write(f"ConfigurationError: {error}\n")
    raise SystemExit(3) from None

from tierdesk.checks import missing_static_manifest  # noqa: E402 - after the settings are known

if problem := missing_static_manifest():
    # Every page would answer 500 ("Missing staticfiles manifest entry"): refuse to start instead.
    sys.stderr.write(f"{problem}\n")
    raise SystemExit(3)

from django.urls import get_resolver  # noqa: E402 - after the settings are known

get_resolver().url_patterns  # noqa: B018 - imports every view now rather than on the first request

# What loading the application created (modules, settings, URL patterns, models) lives as long as
# the process: keep it out of the garbage collector's full passes, which otherwise walk all of it
# again and again for the few objects a request leaves behind.
gc.freeze()
