"""``make run``'s server script: the app and its worker are told the port they serve on."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_local_server_and_worker_link_emails_to_the_port_they_serve(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "DEBUG": "true",
        "R2P_DATA_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "filesystem://",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    env.pop("SITE_URL", None)
    started = subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "run-local")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        processes: list[psutil.Process] = []
        while time.monotonic() < deadline:
            children = psutil.Process(started.pid).children(recursive=True)
            server = [p for p in children if "runserver" in " ".join(p.cmdline())]
            worker = [p for p in children if "worker" in " ".join(p.cmdline())]
            if server and worker:
                processes = [server[0], worker[0]]
                break
            time.sleep(0.2)
        assert processes, "the script started no server and worker"
        for process in processes:
            assert process.environ()["SITE_URL"] == f"http://127.0.0.1:{port}"
    finally:
        os.killpg(started.pid, signal.SIGTERM)
        started.wait(timeout=30)
