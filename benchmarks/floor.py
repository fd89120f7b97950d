"""Where a served learner page's cost comes from: ``python benchmarks/floor.py [--rounds 3] [--duration 8]``.

``learner_ratio`` compares a learner page with Flask's hello world. Between the two lie the platform's
own hooks, the log-in and the layout, which every page pays whatever it shows. This serves, in turn and
with run.py's gunicorn settings, on the demo province (a PostgreSQL database of its own, dropped at
the end), on 8 connections:

1. ``hello``: Flask's hello world (run.py's baseline);
2. ``anonymous``: the platform answering a route that reads and renders nothing, to a visitor: every
   hook of the platform (session, security headers with the CSP nonce, the request's transaction);
3. ``logged-in``: the same route for a logged-in cadre: the session cookie, the log-in's statement;
4. ``layout``: for a logged-in cadre, the platform's layout (navigation by role, language form, CSRF
   tokens, footer) around an empty page;
5. ``learner``: run.py's learner mix (home, catalogue, course, module, quiz page).

Prints each one's requests per second, CPU per request (gunicorn and PostgreSQL) and ratio to the hello
world, round after round, then the medians: how much of a learner page's cost is the floor under every
page and how much is the page's own reading and rendering. The three floor routes exist only in this
benchmark's application (``create_app`` below), never in the platform. A measurement, not a test.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

FLOOR_TEMPLATE = '{% extends "base.html" %}{% block title %}Floor{% endblock %}'
KINDS = ("hello", "anonymous", "logged-in", "layout", "learner")


def create_app():
    """The platform with three routes that do nothing of their own (served by gunicorn: ``floor:create_app()``)."""
    from flask import render_template
    from flask_login import login_required
    from jinja2 import ChoiceLoader, DictLoader

    import lms

    app = lms.create_app()
    app.jinja_env.loader = ChoiceLoader([DictLoader({"_floor.html": FLOOR_TEMPLATE}), app.jinja_env.loader])

    def nothing() -> str:
        return "ok"

    def layout() -> str:
        return render_template("_floor.html")

    app.add_url_rule("/_floor/anonymous", "floor_anonymous", nothing)
    app.add_url_rule("/_floor/logged-in", "floor_logged_in", login_required(nothing))
    app.add_url_rule("/_floor/layout", "floor_layout", login_required(layout))
    return app


def main(argv: list[str] | None = None) -> int:
    import run  # benchmarks/run.py: the same seeding, server and load generator

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=8, help="measured seconds of each run (after 2 s of warm-up)")
    parser.add_argument("--server", default=run.SERVER)
    args = parser.parse_args(argv)

    with run.served_province(args.server, "floor") as (learners, env, work):
        targets = {
            "hello": ("hello:create_app()", BENCH, {"paths": ["/"]}),
            "anonymous": ("floor:create_app()", BENCH, {"paths": ["/_floor/anonymous"]}),
            "logged-in": ("floor:create_app()", BENCH,
                          {"sessions": [{**user, "paths": ["/_floor/logged-in"]} for user in learners]}),
            "layout": ("floor:create_app()", BENCH, {"sessions": [{**user, "paths": ["/_floor/layout"]} for user in learners]}),
            "learner": ("lms:create_app()", run.ROOT, {"sessions": run.learner_sessions(learners)}),
        }
        runs: dict[str, list[dict]] = {kind: [] for kind in KINDS}
        for number in range(1, args.rounds + 1):
            for kind in KINDS:
                app_spec, chdir, target = targets[kind]
                server = run.Server(app_spec, env, work / f"{kind}.log", chdir=chdir)
                try:
                    measured = run.load("throughput", {"port": server.port, "server_pid": server.process.pid,
                                                       "connections": 8, "warmup": 2, "duration": args.duration,
                                                       **target}, work, 300)
                finally:
                    server.stop()
                if measured["errors"]:
                    raise RuntimeError(f"{kind}: errors {measured['errors']}")
                cpu = (measured["server_cpu_ms_per_request"] or 0) + (measured["postgres_cpu_ms_per_request"] or 0)
                runs[kind].append({"rps": measured["rps"], "cpu": cpu, "p99": measured["p99_ms"]})
                hello = runs["hello"][-1]
                print(f"round {number} {kind:10}: {measured['rps']:8.1f} requests/s, p99 {measured['p99_ms']:6.2f} ms, CPU "
                      f"{measured['server_cpu_ms_per_request']} + {measured['postgres_cpu_ms_per_request']} ms; "
                      f"ratio to hello {measured['rps'] / hello['rps']:.3f}, CPU {cpu / hello['cpu']:.1f} hello worlds",
                      flush=True)
        hello = {key: statistics.median(v[key] for v in runs["hello"]) for key in ("rps", "cpu")}
        print(f"{'median over ' + str(args.rounds) + ' rounds':24} {'requests/s':>10} {'ratio':>6} {'CPU ms':>7} {'× hello':>8}")
        for kind in KINDS:
            med = {key: statistics.median(v[key] for v in runs[kind]) for key in ("rps", "cpu")}
            print(f"{kind:24} {med['rps']:10.1f} {med['rps'] / hello['rps']:6.3f} {med['cpu']:7.2f} {med['cpu'] / hello['cpu']:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
