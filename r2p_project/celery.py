"""The Celery application; its configuration lives in settings.py (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "r2p_project.settings")

app = Celery("r2p_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
