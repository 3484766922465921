"""The Celery application used when ``TIERDESK_TASK_BACKEND=celery``.

Workers: ``celery -A tierdesk.celery_app worker -Q default,sla,probes,mail,webhooks``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")

app = Celery("tierdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
