"""The Celery application; its configuration lives in settings.py (CELERY_*)."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "r2p_project.settings")

app = Celery("r2p_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def close_old_database_connections(sender: Any = None, **kwargs: Any) -> None:
    """Before each task, close the database connections that Django would close before a
    request: past CONN_MAX_AGE, or broken (CELERY_DB_REUSE_MAX keeps them otherwise). A task
    run in the caller's process (``apply``) is left alone: it may be inside a transaction."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    close_old_connections()
