"""CPU instructions per learner page, counted by valgrind: ``python benchmarks/instructions.py``.

Times on a shared machine move by ±20 % from one minute to the next; instruction counts do not
(``valgrind --tool=callgrind`` counts what the CPU executes, whatever else the machine is doing), so
this is how a change to the code is compared with the code before it. It builds the demo province on
a PostgreSQL database of its own (dropped at the end), gives one cadre a login with a quiz attempt
open (as ``run.py`` does for its learners), then runs, under callgrind, a process that requests the
five learner pages in-process (Flask test client) ``--low`` rounds, and another ``--high`` rounds. The
difference, divided by the pages it adds, is the Python process's instructions per learner page,
start-up excluded. With ``--quiz``, the same for a quiz taker: ``--low`` and ``--high`` cadres each
take a quiz as ``profile_pages.py --quiz`` does (log-in, module page, start, attempt pages, eight
autosaves, confirmation, submit, result). PostgreSQL's own work is not counted (another process).
Needs valgrind (on the benchmark machine). A measurement, not a test.

    .venv/bin/python benchmarks/instructions.py             # about 2 minutes on the 2-core machine
    .venv/bin/python benchmarks/instructions.py --quiz      # per quiz taker, about 3 minutes
    git stash; .venv/bin/python benchmarks/instructions.py; git stash pop   # the code before
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402  (benchmarks/run.py: the same seeding and pages)

COLLECTED = re.compile(r"Collected : (\d+)")


def child(spec_file: str, rounds: int) -> None:
    """Runs under valgrind: warm every page once, then ``rounds`` rounds of the five pages."""
    import profile_pages

    spec = json.loads(Path(spec_file).read_text())
    app = run.make_app(spec["url"], Path(spec["instance"]))
    if "takers" in spec:  # --quiz: the first taker warms the caches, then one taker per round
        import random

        for number, user in enumerate(spec["takers"][:rounds + 1]):
            profile_pages.take_quiz(app, user, random.Random(number))
        run.dispose(app)
        return
    client = profile_pages.logged_in(app, spec["user"])
    pages = list(run.learner_pages(spec["user"]).values())
    for path in pages:
        assert client.get(path).status_code == 200, path
    for _ in range(rounds):
        for path in pages:
            client.get(path)
    run.dispose(app)


def count(spec_file: Path, rounds: int) -> int:
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
         "--child", str(spec_file), str(rounds)],
        capture_output=True, text=True, timeout=1800)
    found = COLLECTED.search(result.stderr)
    if result.returncode != 0 or not found:
        raise RuntimeError(f"valgrind run failed (exit {result.returncode}):\n{result.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=run.SERVER)
    parser.add_argument("--low", type=int, default=5)
    parser.add_argument("--high", type=int, default=15)
    parser.add_argument("--quiz", action="store_true",
                        help="count a quiz taker's 15 requests (as profile_pages.py --quiz) instead of the learner pages")
    parser.add_argument("--child", nargs=2, metavar=("SPEC", "ROUNDS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]))
        return 0
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed")

    with run.demo_province(args.server, "instructions") as (url, instance):
        app = run.make_app(url, instance)
        spec = {"url": url, "instance": str(instance)}
        if args.quiz:
            # each count's takers are its own cadres: the low count takes the first ones, the high one the rest
            takers = run.give_logins(app, args.low + args.high + 2)
            parts = (takers[:args.low + 1], takers[args.low + 1:])
        else:
            spec["user"] = run.give_logins(app, 1, open_attempt_on=run.LEARNER_MODULE)[0]
        run.dispose(app)
        specs = []
        for rounds, part in zip((args.low, args.high), parts if args.quiz else (None, None)):
            path = instance.parent / f"spec-{rounds}.json"
            path.write_text(json.dumps(spec | ({"takers": part} if part else {})))
            specs.append((path, rounds))
        what = "quiz takers" if args.quiz else "rounds of the 5 learner pages"
        run.say(f"counting instructions: {args.low} and {args.high} {what}, under callgrind")
        with ThreadPoolExecutor(2) as pool:  # the two counts are independent: one per core
            low, high = pool.map(lambda job: count(*job), specs)
    if args.quiz:
        per_taker = (high - low) / (args.high - args.low)
        print(f"instructions per quiz taker: {per_taker / 1e6:.2f} M "
              f"({args.low} takers: {low:,}; {args.high} takers: {high:,})")
        print(json.dumps({"instructions_per_quiz_taker": round(per_taker)}))
        return 0
    per_page = (high - low) / ((args.high - args.low) * 5)
    print(f"instructions per learner page: {per_page / 1e6:.2f} M "
          f"({args.low} rounds: {low:,}; {args.high} rounds: {high:,})")
    print(json.dumps({"instructions_per_learner_page": round(per_page)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
