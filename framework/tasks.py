import os
import socket

from celery import shared_task


@shared_task(name="framework.ping")
def ping() -> dict[str, object]:
    """Prove the wiring: answered by a worker, which says who it is."""
    return {"pong": True, "host": socket.gethostname(), "pid": os.getpid()}
