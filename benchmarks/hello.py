"""The baseline of ``benchmarks/run.py``: Flask's hello world, served by the same gunicorn settings as the platform.

    gunicorn -k lms.core.serving.ThreadWorker -w 4 --threads 2 -b 127.0.0.1:8000 --chdir benchmarks "hello:create_app()"

Its requests per second are the most this machine, this gunicorn configuration and this load
generator can do with Flask at all; the platform's learner pages are measured against it
(``learner_ratio``).
"""
from __future__ import annotations

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.route("/")
    def hello() -> str:
        return "Hello, World!"

    return app
