"""The gunicorn worker the platform is served with: gthread that takes a connection only when it can serve it.

gunicorn's gthread worker accepts new connections whenever it holds fewer than ``worker_connections``
(1,000) of them, even while every one of its threads is busy; the request then waits in that worker's
queue while another worker sits idle (gunicorn issues #908, #3433). Kept-alive connections stay with
the worker that accepted them, so the luck of the first accepts decides the load for good: measured on
the 2-core benchmark machine with 8 kept-alive connections, one run put all 8 on one worker — one core
busy, the other idle, half the throughput — and others 5 + 3 or 4 + 3 + 1 (benchmarks/README.md).

This worker stops listening while all its threads are busy and listens again as soon as one is free,
so a new connection waits in the kernel's queue for the first free thread of any worker — the single
queue of the sync worker — and kept-alive connections keep gthread's cheap reuse. Serve with::

    gunicorn --worker-class lms.core.serving.ThreadWorker --workers 2 --threads 2 "lms:create_app()"
"""
from __future__ import annotations

from gunicorn.workers import gthread

if not all(hasattr(gthread.ThreadWorker, hook) for hook in ("set_accept_enabled", "enqueue_req", "finish_request")):
    raise ImportError("lms.core.serving.ThreadWorker needs gunicorn 24 or newer (pip install 'gunicorn>=24')")


class ThreadWorker(gthread.ThreadWorker):
    """gthread, accepting only while fewer requests are in hand than it has threads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_hand = 0  # requests given to the thread pool and not yet finished (main thread only)
        self._wants_to_accept = False  # gthread's own decision (its connection limit)

    def set_accept_enabled(self, enabled: bool) -> None:
        # gthread's loop calls this with its connection limit's answer; listen only if a thread is free too.
        self._wants_to_accept = enabled
        super().set_accept_enabled(enabled and self.in_hand < self.cfg.threads)

    def enqueue_req(self, conn) -> None:
        self.in_hand += 1
        super().enqueue_req(conn)
        if self.in_hand >= self.cfg.threads:
            super().set_accept_enabled(False)

    def finish_request(self, conn, fs) -> None:
        self.in_hand -= 1
        if self._wants_to_accept and self.in_hand < self.cfg.threads:
            super().set_accept_enabled(True)
        super().finish_request(conn, fs)
