"""WSGI entry point: ``gunicorn tierdesk.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
application = get_wsgi_application()
