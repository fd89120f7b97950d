"""Where a learner page spends its time: ``python benchmarks/profile_pages.py [--rounds 200] [--top 30] [--quiz]``.

Builds the demo province on a PostgreSQL database of its own (dropped at the end), gives one cadre a login
with a quiz attempt open (as ``run.py`` does for its learners), then requests the five learner pages
in-process (Flask test client) ``--rounds`` times each. Prints the mean wall time of each page, then the
most expensive functions of all of them under cProfile. With ``--quiz``: ``--rounds`` cadres each take a
quiz as ``load.py``'s takers do (module page, start, both attempt pages, eight autosaves, confirmation,
submit, result), and each step's mean time and SQL statements are printed before the profile.
A measurement, not a test.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402  (benchmarks/run.py: the same seeding and pages)


def print_stats(profiler: cProfile.Profile, args) -> None:
    stats = pstats.Stats(profiler)
    if args.by_package:
        shares: dict[str, float] = {}
        for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
            parts = Path(filename).parts
            if "site-packages" in parts:
                key = parts[parts.index("site-packages") + 1]
            elif "templates" in parts:
                key = "templates (Jinja)"
            elif "lms" in parts:
                key = "lms"
            else:
                key = filename if filename.startswith("<") or filename == "~" else "python"
            shares[key] = shares.get(key, 0.0) + tottime
        total = sum(shares.values())
        for key, seconds in sorted(shares.items(), key=lambda kv: -kv[1])[:15]:
            print(f"{key:30} {100 * seconds / total:5.1f} %")
    stats.sort_stats(args.sort).print_stats(args.top)


def logged_in(app, user: dict):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, **user})
    assert response.status_code == 302, response.status_code
    return client


def take_quiz(app, user: dict, rng, step=lambda kind, call: call()) -> None:
    """One cadre takes the quiz of run.TAKER_MODULE as load.py's takers do; ``step(kind, call)`` runs each request."""
    import html

    from werkzeug.datastructures import MultiDict

    import load

    client = step("login", lambda: logged_in(app, user))
    page = step("module", lambda: client.get(f"/learn/courses/{run.COURSE}/modules/{run.TAKER_MODULE}"))
    text = page.get_data(as_text=True)
    start = load.QUIZ_START.search(text).group(1)
    response = step("start", lambda: client.post(start, data={"csrf_token": load.csrf_of(text)}))
    attempt_url = load.local_path(response.location)
    text = step("attempt", lambda: client.get(attempt_url)).get_data(as_text=True)
    for page_number in range(1, 100):
        token = html.unescape(re.search(r'data-csrf="([^"]+)"', text).group(1))
        for save_url, prefix, section in load.SECTION.findall(text):
            fields = load.answer_fields(section, prefix, rng)
            response = step("autosave", lambda: client.post(save_url, data=MultiDict(fields), headers={"X-CSRFToken": token}))
            assert response.get_json()["saved"] is True
        if 'name="go" value="next"' not in text:
            break
        text = step("attempt", lambda: client.get(f"{attempt_url}?page={page_number + 1}")).get_data(as_text=True)
    text = step("finish", lambda: client.get(f"{attempt_url}/finish")).get_data(as_text=True)
    response = step("submit", lambda: client.post(f"{attempt_url}/submit", data={"csrf_token": load.csrf_of(text)}))
    assert step("result", lambda: client.get(load.local_path(response.location))).status_code == 200


def profile_quiz(app, args) -> None:
    import random
    from collections import defaultdict

    from sqlalchemy import event

    from lms.core.db import db

    users = run.give_logins(app, args.rounds)
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    times: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, list[int]] = defaultdict(list)
    examples: dict[str, list[str]] = {}

    def step(kind, call):
        statements.clear()
        started = time.perf_counter()
        response = call()
        times[kind].append(1000 * (time.perf_counter() - started))
        counts[kind].append(len(statements))
        examples.setdefault(kind, list(statements))
        return response

    def take(number: int, user: dict) -> None:
        take_quiz(app, user, random.Random(number), step)

    take(0, users[0])  # warm the caches
    half = len(users) // 2
    for label, group, profiler in (("", users[1:half], None), (" (under cProfile)", users[half:], cProfile.Profile())):
        times.clear(), counts.clear(), examples.clear()
        if profiler:
            profiler.enable()
        for number, user in enumerate(group, start=1):
            take(number, user)
        if profiler:
            profiler.disable()
        for kind, values in times.items():
            print(f"{kind:10} {sum(values) / len(values):6.2f} ms{label}  {max(counts[kind]):3} statements")
    for kind, sql in examples.items():
        print(f"--- {kind}")
        for statement in sql:
            print("   ", " ".join(statement.split())[:160])
    print_stats(profiler, args)


def profile_pages(app, args) -> None:
    user = run.give_logins(app, 1, open_attempt_on=run.LEARNER_MODULE)[0]
    client = logged_in(app, user)
    pages = run.learner_pages(user)
    for path in pages.values():  # warm every per-process cache
        assert client.get(path).status_code == 200, path
    for name, path in pages.items():
        started = time.perf_counter()
        for _ in range(args.rounds):
            client.get(path)
        print(f"{name:10} {1000 * (time.perf_counter() - started) / args.rounds:6.2f} ms")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.rounds):
        for path in pages.values():
            client.get(path)
    profiler.disable()
    print_stats(profiler, args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=run.SERVER)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument("--by-package", action="store_true", help="also print internal time summed per package")
    parser.add_argument("--quiz", action="store_true", help="profile quiz takers instead of the learner pages")
    args = parser.parse_args(argv)

    with run.demo_province(args.server, "profile") as (url, instance):
        app = run.make_app(url, instance)
        try:
            if args.quiz:
                profile_quiz(app, args)
            else:
                profile_pages(app, args)
        finally:
            run.dispose(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
