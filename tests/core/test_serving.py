"""The gunicorn worker of production (lms.core.serving.ThreadWorker) gives a new connection to a free worker.

Two workers of one thread each serve a tiny WSGI app. One request holds its worker's only thread until
the test releases it; every request sent meanwhile must be answered by the other worker. gunicorn's
own gthread worker keeps accepting while its threads are busy, so some of those requests would wait
behind the held one (gunicorn issues #908 and #3433).
"""
from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("gunicorn")

ROOT = Path(__file__).resolve().parents[2]

APP = '''
import os, pathlib, time

def app(environ, start_response):
    if environ["PATH_INFO"] == "/hold":
        pathlib.Path(os.environ["HELD_FILE"]).write_text(str(os.getpid()))
        release = pathlib.Path(os.environ["RELEASE_FILE"])
        for _ in range(1200):  # at most 60 s
            if release.exists():
                break
            time.sleep(0.05)
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, timeout: float) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        return connection.getresponse().read().decode()
    finally:
        connection.close()


def _wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(what)


def test_a_busy_worker_leaves_new_connections_to_a_free_one(tmp_path):
    (tmp_path / "holdapp.py").write_text(APP)
    held, release = tmp_path / "held", tmp_path / "release"
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    env = {**os.environ, "HELD_FILE": str(held), "RELEASE_FILE": str(release),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [gunicorn, "--worker-class", "lms.core.serving.ThreadWorker", "--workers", "2", "--threads", "1",
         "-b", f"127.0.0.1:{port}", "--chdir", str(tmp_path), "holdapp:app"],
        env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    holder = None
    try:
        def up():
            try:
                return _get(port, "/", timeout=2)
            except OSError:
                assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                return None
        _wait_for(up, 30, "gunicorn did not start")

        answers: list[str] = []
        holder = threading.Thread(target=lambda: answers.append(_get(port, "/hold", timeout=90)))
        holder.start()
        busy = _wait_for(lambda: held.exists() and held.read_text(), 30, "the held request never arrived")

        served_by = []
        for _ in range(30):
            try:
                served_by.append(_get(port, "/", timeout=10))
            except TimeoutError:
                served_by.append("waited behind the held request")
                break
        release.touch()
        holder.join(timeout=30)

        assert len(served_by) == 30 and busy not in served_by, served_by
        assert len(set(served_by)) == 1, "the other worker answered every request meanwhile"
        assert answers == [busy], "the held request is answered once released"
    finally:
        release.touch()
        server.terminate()
        server.wait(timeout=20)
        log.close()
