"""Two revisions served side by side: ``python benchmarks/compare.py REV [REV2] [--rounds 5] [--page home]``.

``instructions.py`` counts a change in-process (Flask's test client, one thread); this serves it as
production does. It builds the demo province once on a PostgreSQL database of its own (dropped at the
end) with run.py's 200 learners, checks each revision out into a temporary git worktree (REV2: the
working tree when left out), then serves them in turn under gunicorn with run.py's settings, round
after round, each round driving the learner mix (or one page, ``--page``) on 8 connections. Prints
one line per run and the median of each revision: on a shared machine one run moves by ±20 %, so
only rounds alternated within minutes compare two revisions. A measurement, not a test.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402  (benchmarks/run.py: the same seeding, server and load generator)


def worktree(rev: str, folder: Path) -> Path:
    subprocess.run(["git", "worktree", "add", "--detach", "--force", str(folder), rev], cwd=run.ROOT, check=True,
                   capture_output=True)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the revision to compare (e.g. HEAD~3)")
    parser.add_argument("rev2", nargs="?", help="the other revision (default: the working tree)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=8, help="measured seconds of each run (after 2 s of warm-up)")
    parser.add_argument("--page", choices=["home", "catalogue", "course", "module", "quiz"], help="one page instead of the mix")
    parser.add_argument("--server", default=run.SERVER)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="lms-compare-") as temp, \
            run.demo_province(args.server, "compare") as (url, instance):
        trees: dict[str, Path] = {}
        try:
            trees[args.rev] = worktree(args.rev, Path(temp) / "a")
            trees[args.rev2 or "working tree"] = worktree(args.rev2, Path(temp) / "b") if args.rev2 else run.ROOT
            app = run.make_app(url, instance)
            learners = run.give_logins(app, 200, open_attempt_on=run.LEARNER_MODULE)
            run.dispose(app)
            sessions = [{**user, "paths": [[name, path] for name, path in run.learner_pages(user).items()
                                           if args.page in (None, name)]} for user in learners]
            secret = os.urandom(16).hex()
            rates: dict[str, list[float]] = {name: [] for name in trees}
            for number in range(1, args.rounds + 1):
                for name, tree in trees.items():
                    env = {**os.environ, "LMS_INSTANCE_PATH": str(instance), "DATABASE_URL": url,
                           "LMS_SECRET_KEY": secret, "PYTHONPATH": str(tree)}
                    env.pop("FLASK_DEBUG", None)
                    server = run.Server("lms:create_app()", env, Path(temp) / "server.log", chdir=tree)
                    try:
                        mix = run.load("throughput", {"port": server.port, "server_pid": server.process.pid,
                                                      "sessions": sessions, "connections": 8, "warmup": 2,
                                                      "duration": args.duration}, Path(temp), 600)
                    finally:
                        server.stop()
                    rates[name].append(mix["rps"])
                    print(f"round {number} {name:>14}: {mix['rps']:7.1f} pages/s, p50 {mix['p50_ms']} ms, "
                          f"p99 {mix['p99_ms']} ms, CPU {mix['server_cpu_ms_per_request']} ms + PostgreSQL "
                          f"{mix['postgres_cpu_ms_per_request']} ms per page, errors {mix['errors']}", flush=True)
            for name, values in rates.items():
                print(f"median {name:>14}: {statistics.median(values):7.1f} pages/s over {len(values)} runs")
        finally:
            for tree in trees.values():
                if tree != run.ROOT:
                    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=run.ROOT, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
