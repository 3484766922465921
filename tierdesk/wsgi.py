"""WSGI entry point: ``gunicorn tierdesk.wsgi``."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
application = get_wsgi_application()

from django.urls import get_resolver  # noqa: E402 - after the settings are known

get_resolver().url_patterns  # noqa: B018 - imports every view now rather than on the first request

# What loading the application created (modules, settings, URL patterns, models) lives as long as
# the process: keep it out of the garbage collector's full passes, which otherwise walk all of it
# again and again for the few objects a request leaves behind.
gc.freeze()
