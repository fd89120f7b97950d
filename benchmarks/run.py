"""Every figure of issue 7 point 4 in one run: ``python benchmarks/run.py [--quick]``.

1. Seeds a PostgreSQL database of its own (``lms_bench_<random>``, dropped at the end) with
   ``lms demo`` (the province: 780 units, 2,701 cadres, 4 courses), gives logins to many demo cadres
   (``lms.accounts.operations.create_user``) and enrols them (``lms.courses.operations.enrol``).
2. Copies that database (``CREATE DATABASE … TEMPLATE``) and grows the copy to 10× the units and
   cadres with bulk INSERTs; counts the SQL statements of each learner page on both, in-process
   (Flask test client, a ``before_cursor_execute`` listener).
3. Issues a certificate to every one of the 2,701 demo cadres through
   ``lms.certificates.operations.issue_certificate``, then times the export of them all as one ZIP
   (``lms.certificates.queries``, as ``lms certificates export`` does); takes the rendering median from
   ``benchmarks/certificate_render.py``.
4. Serves Flask's hello world (``benchmarks/hello.py``), then the platform, with the same gunicorn
   settings (``GUNICORN`` below) on a free port of 127.0.0.1, and drives them from a separate process
   (``benchmarks/load.py``): hello-world throughput, the learner page mix, page weight, quiz takers.
   Then checks every autosave the server acknowledged against the database.
5. Full run only: the national reports on PostgreSQL (``benchmarks/reports_national.py``).

Progress goes to standard error; a summary, then ONE JSON object as the last line, go to standard
output. ``--quick`` stays under 8 minutes on the 2-core benchmark machine; see benchmarks/README.md for
the figures, the targets and how to read them. This is a measurement, not a test: nothing asserts.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import math
import multiprocessing
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

#: The production serving settings, used for the platform and for the hello-world baseline alike:
#: one process per core of 2 threads each; a thread waiting on PostgreSQL lets the other run. The
#: worker class is gthread that accepts a connection only with a thread free (lms/core/serving.py).
GUNICORN = ["--worker-class", "lms.core.serving.ThreadWorker", "--workers", "2", "--threads", "2", "--backlog", "2048"]
PASSWORD = "benchmark-mat-khau-2026"
#: Logins created for the benchmark use a cheap hash: thousands of quiz takers log in within one think
#: time, and scrypt (the production default, ~60 ms of CPU) would make the ramp-up measure hashing.
#: Logging in is not one of the measured pages.
BENCH_HASH = "pbkdf2:sha256:1000"
COURSE = "DIEU-LE-LUAT-2024"  # open to both sector tracks
TAKER_MODULE = "01-cong-doan-viet-nam"  # the quiz the takers take
LEARNER_MODULE = "02-he-thong-to-chuc"  # the module (and quiz) the learners of the page mix are at

#: ``connections``: closed-loop connections of the throughput runs, as many as the server has request
#: slots (workers × threads), so that it is saturated without requests queueing in front of it.
#: ``takers``/``think``: the full run is the issue's target, 10,000 takers thinking 30 s before each
#: action (a session is 12 think times, 6 minutes). The quick run scales its time down to fit its
#: budget and keeps its load: 3,000 takers at 9 s ask for the same requests per second as 10,000 at
#: 30 s (``quiz_rate_as_takers_at_30s``), in a session of under 2 minutes. ``ramp``: the takers' starts
#: are spread over it (ramp-up), 6 think times in both runs, half a session, so every taker is taking
#: the quiz at once for a while (``quiz_all_at_once_s``); Moodle's JMeter plan ramps its 10,000 users
#: up over 800 s.
#: ``render_once``: the quick run issues the 2,701 certificates through issue_certificate but renders
#: only the first PDF for real (the others are that PDF made distinct by a trailing comment, as
#: benchmarks/certificate_zip.py does): real rendering of 2,701 took 336 s in a trial here; the ZIP's
#: time depends on the files' number and size, not on their content. The full run renders each one.
QUICK = {"learners": 200, "takers": 3_000, "think": 9.0, "ramp": 54.0, "connections": 8, "warmup": 3, "duration": 15,
         "single_duration": 5, "quiz_time_limit": 260, "render_n": 30, "render_once": True, "national_scale": None}
FULL = {"learners": 500, "takers": 10_000, "think": 30.0, "ramp": 180.0, "connections": 8, "warmup": 5, "duration": 60,
        "single_duration": 20, "quiz_time_limit": 1200, "render_n": 200, "render_once": False, "national_scale": 1.0}

#: The PostgreSQL server the benchmarks create their databases on (``--server`` overrides it).
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres")

STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


# -- databases ------------------------------------------------------------------------------------

class Databases:
    """Databases this run creates on the shared server, and drops again: never any other."""

    def __init__(self, server: str):
        import sqlalchemy as sa

        self.server = sa.make_url(server).set(drivername="postgresql+psycopg")
        self.admin = sa.create_engine(self.server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self.prefix = f"lms_bench_{secrets.token_hex(3)}"
        self.created: list[str] = []

    def url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    def create(self, suffix: str, template: str | None = None) -> str:
        name = f"{self.prefix}_{suffix}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE "{template or "template0"}"')
        self.created.append(name)
        return name

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in reversed(self.created):
                conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                     "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        self.created.clear()
        self.admin.dispose()


def make_app(url: str, instance: Path):
    """The platform in-process, on ``url`` (seeding, query counts, certificates, checks)."""
    os.environ["LMS_INSTANCE_PATH"] = str(instance)
    from lms import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark-" + secrets.token_hex(8),
                       "PASSWORD_HASH_METHOD": BENCH_HASH})


def dispose(app) -> None:
    from lms.core.db import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# -- seeding --------------------------------------------------------------------------------------

@contextlib.contextmanager
def demo_province(server: str, name: str):
    """``(url, instance)`` of the demo province on a database of its own on ``server``, dropped (with
    the work folder) afterwards: for the in-process measurements (profile_pages.py, instructions.py)."""
    databases = Databases(server)
    work = Path(tempfile.mkdtemp(prefix=f"lms-{name}-"))
    try:
        url = databases.url(databases.create(name))
        run_demo(url, work / "instance", f"{name}-" + secrets.token_hex(8))
        yield url, work / "instance"
    finally:
        databases.drop_all()
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def served_province(server: str, name: str, learners: int = 200):
    """``(learners, env, work)``: the demo province (as :func:`demo_province`) with ``learners`` learner
    logins, and the environment gunicorn serves it with: for the scripts that serve things in turn on
    it (workers.py, floor.py)."""
    with demo_province(server, name) as (url, instance):
        app = make_app(url, instance)
        users = give_logins(app, learners, open_attempt_on=LEARNER_MODULE)
        dispose(app)
        env = {**os.environ, "LMS_INSTANCE_PATH": str(instance), "DATABASE_URL": url, "LMS_SECRET_KEY": secrets.token_hex(16)}
        env.pop("FLASK_DEBUG", None)
        yield users, env, instance.parent


def learner_sessions(learners: list[dict]) -> list[dict]:
    """load.py's throughput sessions of the learner mix: each learner's five pages, labelled."""
    return [{**user, "paths": [[name, path] for name, path in learner_pages(user).items()]} for user in learners]


def run_demo(url: str, instance: Path, secret: str) -> None:
    env = {**os.environ, "LMS_INSTANCE_PATH": str(instance), "DATABASE_URL": url, "LMS_SECRET_KEY": secret,
           "LMS_PASSWORD_HASH_METHOD": BENCH_HASH}
    env.pop("FLASK_DEBUG", None)
    result = subprocess.run([sys.executable, "-m", "lms.cli", "demo", "--yes", "--password", PASSWORD], env=env,
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"lms demo failed:\n{result.stdout}\n{result.stderr}")
    for line in result.stdout.splitlines():
        if line.startswith("  ") and "giây" in line:
            say("demo" + line)


def give_logins(app, count: int, open_attempt_on: str | None = None, up_to: bool = False) -> list[dict]:
    """Logins for ``count`` more grassroots cadres (in code order), each enrolled on COURSE; with
    ``open_attempt_on``, each also has an attempt in progress on that module's quiz (its quiz page).
    ``up_to``: as many as there are when fewer than ``count`` cadres have no login yet."""
    from sqlalchemy import select

    from lms.accounts.models import User
    from lms.accounts.operations import create_user
    from lms.cadres.models import Cadre
    from lms.core.db import db
    from lms.courses import operations as course_ops
    from lms.courses.models import Course
    from lms.courses.queries import outline
    from lms.orgs.models import Unit, UnitLevel
    from lms.quizzes import operations as quiz_ops
    from lms.quizzes.models import Quiz

    users = []
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.code == COURSE))
        cadres = list(db.session.scalars(
            select(Cadre).join(Unit, Unit.id == Cadre.unit_id).join(UnitLevel, UnitLevel.id == Unit.level_id)
            .outerjoin(User, User.cadre_id == Cadre.id)
            .where(UnitLevel.code == "grassroots", Unit.track_id.is_not(None), User.id.is_(None))
            .order_by(Cadre.id).limit(count)))
        if len(cadres) < count and not up_to:
            raise RuntimeError(f"only {len(cadres)} cadres without a login, {count} needed")
        for number, cadre in enumerate(cadres, start=1):
            username = "hv-" + cadre.code.lower()
            create_user(username, PASSWORD, "cadre", None, cadre.code)
            enrolment = course_ops.enrol(cadre, course)
            user = {"username": username, "password": PASSWORD}
            if open_attempt_on:
                module = next(m for m in outline(course, cadre, enrolment=enrolment).modules if m.key == open_attempt_on)
                quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == module.id))
                user["attempt_id"] = quiz_ops.start_attempt(quiz, cadre, enrolment).id
            users.append(user)
            if number % 500 == 0:
                db.session.commit()
        db.session.commit()
    return users


GROW = """
INSERT INTO units (id, code, name, search_key, level_id, track_id, parent_id, path, active_from, active_to, created_at)
SELECT u.id + k * {U}, u.code || '-X' || k, u.name || ' (' || k || ')', u.search_key || ' x' || k, u.level_id, u.track_id,
       CASE WHEN u.parent_id IN (SELECT id FROM units WHERE parent_id IS NULL) THEN u.parent_id ELSE u.parent_id + k * {U} END,
       '', u.active_from, u.active_to, u.created_at
FROM units u, generate_series({first}, {last}) AS k WHERE u.id <= {U} AND u.parent_id IS NOT NULL;
INSERT INTO unit_events (unit_id, kind, effective_on, new_name, new_parent_id, new_track_id, note, created_at)
SELECT id, 'create', active_from, name, parent_id, track_id, '', now() FROM units WHERE id > {U} + ({first} - 1) * {U};
INSERT INTO cadres (id, code, full_name, sort_key, search_key, gender, birth_date, employment, education_level_id,
                    political_level_id, unit_id, track_override_id, email, phone, term, created_at, updated_at)
SELECT c.id + k * {C}, c.code || '-' || k, c.full_name, c.sort_key, c.search_key, c.gender, c.birth_date, c.employment,
       c.education_level_id, c.political_level_id,
       CASE WHEN c.unit_id IN (SELECT id FROM units WHERE parent_id IS NULL) THEN c.unit_id ELSE c.unit_id + k * {U} END,
       c.track_override_id, '', '', c.term, c.created_at, c.updated_at
FROM cadres c, generate_series({first}, {last}) AS k WHERE c.id <= {C};
INSERT INTO memberships (cadre_id, unit_id, start_on, end_on, reason)
SELECT m.cadre_id + k * {C},
       CASE WHEN m.unit_id IN (SELECT id FROM units WHERE parent_id IS NULL) THEN m.unit_id ELSE m.unit_id + k * {U} END,
       m.start_on, m.end_on, m.reason
FROM memberships m, generate_series({first}, {last}) AS k WHERE m.cadre_id <= {C};
INSERT INTO cadre_titles (cadre_id, title_type_id, unit_id, start_on, end_on)
SELECT t.cadre_id + k * {C}, t.title_type_id,
       CASE WHEN t.unit_id IN (SELECT id FROM units WHERE parent_id IS NULL) THEN t.unit_id ELSE t.unit_id + k * {U} END,
       t.start_on, t.end_on
FROM cadre_titles t, generate_series({first}, {last}) AS k WHERE t.cadre_id <= {C};
INSERT INTO cadre_facts (cadre_id, start_on, end_on, employment, education_level_id, political_level_id)
SELECT f.cadre_id + k * {C}, f.start_on, f.end_on, f.employment, f.education_level_id, f.political_level_id
FROM cadre_facts f, generate_series({first}, {last}) AS k WHERE f.cadre_id <= {C};
SELECT setval(pg_get_serial_sequence('units', 'id'), (SELECT max(id) FROM units));
SELECT setval(pg_get_serial_sequence('cadres', 'id'), (SELECT max(id) FROM cadres))
"""


def grow(url: str, first: int, last: int) -> dict[str, int]:
    """Add copies number ``first``..``last`` of the demo's units (all but the federation, which they
    hang under) and cadres, with their memberships, titles, facts and "create" events; returns row counts.

    Copies keep the original ids plus a multiple of the demo's largest id, so copy k is
    found again by arithmetic; paths are then filled level by level, as ``create_unit`` does."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        base = conn.execute(sa.text("SELECT max(id) FROM units WHERE code NOT LIKE '%-X%'")).scalar()
        units = int(10 ** math.ceil(math.log10(base + 1)))
        cadres_base = conn.execute(sa.text("SELECT max(id) FROM cadres WHERE code NOT LIKE '%-%'")).scalar()
        cadres = int(10 ** math.ceil(math.log10(cadres_base + 1)))
        for statement in GROW.format(U=units, C=cadres, first=first, last=last).split(";\n"):
            conn.execute(sa.text(statement))
        for _ in range(20):  # the tree's depth bounds this
            changed = conn.execute(sa.text(
                "UPDATE units c SET path = p.path || c.id || '/' FROM units p "
                "WHERE p.id = c.parent_id AND c.path = '' AND p.path <> ''")).rowcount
            if not changed:
                break
        counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in ("units", "cadres")}
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return counts


# -- queries per page (in-process) ----------------------------------------------------------------

def learner_pages(user: dict) -> dict[str, str]:
    return {
        "home": "/",
        "catalogue": "/learn/",
        "course": f"/learn/courses/{COURSE}",
        "module": f"/learn/courses/{COURSE}/modules/{LEARNER_MODULE}",
        "quiz": f"/quizzes/attempts/{user['attempt_id']}",
    }


def count_queries(app, user: dict) -> dict[str, int]:
    """SQL statements of each learner page for ``user``, from the second request on (steady state)."""
    from sqlalchemy import event

    from lms.core.db import db

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": user["username"], "password": user["password"]})
    if response.status_code != 302:
        raise RuntimeError(f"in-process login failed: {response.status_code}")
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    counts = {}
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        for name, path in learner_pages(user).items():
            client.get(path)
            statements.clear()
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {response.status_code}")
            counts[name] = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return counts


# -- certificates ---------------------------------------------------------------------------------

CERT_FACTS = ("Bồi dưỡng nghiệp vụ công tác công đoàn năm 2025", 16, dt.date(2025, 11, 10), dt.date(2025, 11, 11))


def issue_part(url: str, instance: str, part: int, parts: int, render_once: bool) -> None:
    """Issue one share of the demo cadres' certificates (a child process; see issue_all)."""
    from sqlalchemy import select

    if render_once:
        from lms.certificates import rendering

        real, first, issued = rendering.render_pdf, [], [0]

        def render_pdf(template, data):
            if not first:
                first.append(real(template, data))
            issued[0] += 1
            return first[0] + f"\n% {part}-{issued[0]}\n".encode()

        rendering.render_pdf = render_pdf

    from lms.cadres.models import Cadre
    from lms.certificates import operations
    from lms.core.db import db
    from lms.orgs.models import Unit

    app = make_app(url, Path(instance))
    with app.app_context():
        facts = operations.Facts(*CERT_FACTS)
        cadres = list(db.session.scalars(select(Cadre).where(Cadre.code.not_like("%-%")).order_by(Cadre.id)))
        units = {u.id: u for u in db.session.scalars(select(Unit))}

        def issuer_id(cadre) -> int | None:
            """The cadre's upper-level union (None for the federation's own staff: the federation issues)."""
            ancestors = units[cadre.unit_id].ancestor_ids() if cadre.unit_id else []
            return ancestors[1] if len(ancestors) > 1 else None

        sizes: dict[int | None, int] = {}
        for cadre in cadres:
            sizes[issuer_id(cadre)] = sizes.get(issuer_id(cadre), 0) + 1
        loads, share = [0] * parts, {}
        for key in sorted(sizes, key=lambda k: (-sizes[k], k or 0)):  # the same split in every process
            share[key] = loads.index(min(loads))
            loads[share[key]] += sizes[key]
        for number, cadre in enumerate(cadres):
            key = issuer_id(cadre)
            if share[key] != part:
                continue
            issuer = units[key] if key is not None else None
            operations.issue_certificate(cadre, facts, issuer_unit=issuer, issued_on=dt.date(2025, 12, 15))
            if number % 100 == 0:
                db.session.commit()
        db.session.commit()


def issue_all(url: str, instance: Path, render_once: bool, parts: int = 2) -> list:
    """Start issuing a certificate to every demo cadre in ``parts`` processes; returns them (join later).

    Each upper-level union issues its own cadres' certificates (the federation issues for its own
    staff): the register number of an issuer is taken under a row lock held until commit, so one
    issuer per process is what lets the processes work at the same time.
    """
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=issue_part, args=(url, str(instance), k, parts, render_once), daemon=True)
                 for k in range(parts)]
    for process in processes:
        process.start()
    return processes


def render_p50(n: int) -> dict:
    """benchmarks/certificate_render.py's own measurement, read from what it prints."""
    import certificate_render

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        certificate_render.main(["-n", str(n)])
    values = dict(re.findall(r"^(\w+)=([\d.]+)", out.getvalue(), re.M))
    return {"cert_render_ms_p50": float(values["cert_render_ms_p50"]),
            "cert_render_ms_p95": float(values["cert_render_ms_p95"]),
            "first_render_ms": float(values["first_render_ms"])}


def export_zip(app, target: Path) -> dict:
    """Every valid certificate as one ZIP, the way ``lms certificates export`` writes it; timed."""
    from lms.certificates import queries

    with app.app_context():
        started = time.perf_counter()
        items = queries.export_items(None, queries.Filters())
        entries = queries.export_entries(items)
        expected = queries.zip_size((i.filename, i.size) for i in items)
        with target.open("wb") as fh:
            for chunk in queries.zip_stream(entries):
                fh.write(chunk)
        seconds = time.perf_counter() - started
    with zipfile.ZipFile(target) as archive:
        entries_in_zip = len(archive.infolist())
    return {"cert_zip_seconds": round(seconds, 2), "certificates": len(items), "zip_entries": entries_in_zip,
            "zip_bytes": target.stat().st_size, "zip_size_exact": target.stat().st_size == expected}


# -- servers and the load process -----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with GUNICORN's settings on a free port of 127.0.0.1."""

    def __init__(self, app_spec: str, env: dict, log: Path, chdir: Path = ROOT):
        self.port = free_port()
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [gunicorn, *GUNICORN, "-b", f"127.0.0.1:{self.port}", "--chdir", str(chdir), app_spec],
            env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not start:\n" + log.read_text())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def load(mode: str, spec: dict, work: Path, timeout: float) -> dict:
    """Run benchmarks/load.py in its own process and return the JSON object it prints last."""
    path = work / f"load-{mode}-{secrets.token_hex(2)}.json"
    path.write_text(json.dumps(spec, ensure_ascii=False))
    result = subprocess.run([sys.executable, str(BENCH / "load.py"), mode, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"load.py {mode} failed (exit {result.returncode})")
    return json.loads(result.stdout.strip().splitlines()[-1])


def lost_answers(app, saved_file: Path) -> dict:
    """Autosaves answered 200 {"saved": true} whose answer is not in the database afterwards."""
    from sqlalchemy import select, tuple_

    from lms.core.db import db
    from lms.quizzes.models import AttemptAnswer

    acknowledged = [json.loads(line) for line in saved_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    stored: dict[tuple[int, int], str | None] = {}
    with app.app_context():
        keys = [(a, p) for a, p, _ in acknowledged]
        for start in range(0, len(keys), 1000):
            chunk = keys[start:start + 1000]
            rows = db.session.execute(select(AttemptAnswer.attempt_id, AttemptAnswer.position, AttemptAnswer.response)
                                      .where(tuple_(AttemptAnswer.attempt_id, AttemptAnswer.position).in_(chunk)))
            stored.update({(a, p): r for a, p, r in rows})
        db.session.remove()
    lost = different = 0
    for attempt_id, position, fields in acknowledged:
        response = stored.get((attempt_id, position))
        if response is None:
            lost += 1
            continue
        flat = set(_scalars(json.loads(response)))
        if not all(value in flat for _, value in fields):
            different += 1
    return {"acknowledged": len(acknowledged), "quiz_lost_answers": lost, "stored_differently": different}


def _scalars(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _scalars(v)
    elif isinstance(value, list):
        for v in value:
            yield from _scalars(v)
    elif isinstance(value, bool) or value is None:
        yield json.dumps(value)
    elif isinstance(value, float) and value.is_integer():
        yield str(int(value))
    else:
        yield str(value)


# -- national reports -----------------------------------------------------------------------------

def national_reports(scale: float, server: str, runs: int) -> dict:
    """benchmarks/reports_national.py at ``scale`` (its own database): the worst p95 of what readers get
    (``served``: after ``lms reports refresh``, snapshots on), and of computing every view live."""
    import reports_national

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = reports_national.main(["--scale", str(scale), "-n", str(runs), "--server", server])
    lines = out.getvalue().splitlines()
    for line in lines[:-1]:
        say("national: " + line)
    figures = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else None
    if status != 0 or not figures:
        raise RuntimeError("reports_national.py gave no figures")
    return {
        "report_p95_ms_national": max(r["p95_ms"] for r in figures["served"].values()),
        "report_p95_ms_national_live": max(r["p95_ms"] for r in figures["live"].values()),
        "reports": figures,
    }


# -- the run --------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="province scale, 3,000 quiz takers at the full run's rate (< 8 minutes)")
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server; the run creates and drops its own databases there")
    parser.add_argument("--takers", type=int, help=f"quiz takers (quick {QUICK['takers']}, full {FULL['takers']})")
    parser.add_argument("--think", type=float,
                        help=f"think time between a taker's steps, seconds (quick {QUICK['think']:g}, full {FULL['think']:g})")
    parser.add_argument("--ramp", type=float,
                        help=f"seconds over which the takers start (quick {QUICK['ramp']:g}, full {FULL['ramp']:g})")
    parser.add_argument("--quiz-time-limit", type=float, dest="quiz_time_limit",
                        help=f"seconds after which unfinished takers are cut off (quick {QUICK['quiz_time_limit']}, "
                             f"full {FULL['quiz_time_limit']})")
    parser.add_argument("--duration", type=float, help="seconds of each throughput measurement (quick 15, full 60)")
    parser.add_argument("--national-scale", type=float, help="scale of the national reports (full run: 1.0)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and the work folder afterwards")
    args = parser.parse_args(argv)

    settings = dict(QUICK if args.quick else FULL)
    for key in ("takers", "think", "ramp", "quiz_time_limit", "duration", "national_scale"):
        if getattr(args, key) is not None:
            settings[key] = getattr(args, key)
    say(f"{'quick' if args.quick else 'full'} run: {settings}")
    say(f"gunicorn {' '.join(GUNICORN)}; machine: {os.cpu_count()} cores, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")

    work = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    instance = work / "instance"
    instance.mkdir()
    databases = Databases(args.server)
    secret = secrets.token_hex(32)
    result: dict = {"quick": args.quick, "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                    "machine": f"{os.cpu_count()} cores, load average at start {os.getloadavg()[0]:.1f}",
                    "gunicorn": " ".join(GUNICORN)}
    processes: list = []
    try:
        # 1. the province -------------------------------------------------------------------------
        province = databases.url(databases.create("province"))
        say(f"seeding {province.rsplit('/', 1)[1]} with lms demo")
        run_demo(province, instance, secret)
        app = make_app(province, instance)
        learners = give_logins(app, settings["learners"], open_attempt_on=LEARNER_MODULE)
        takers = give_logins(app, settings["takers"], up_to=True)  # as many as the province has (the rest: step 4)
        say(f"{len(learners)} learner logins (each with a quiz attempt open), {len(takers)} quiz-taker logins")
        dispose(app)

        # 2. ten times the data, queries per page -------------------------------------------------
        scaled = databases.url(databases.create("x10", template=databases.prefix + "_province"))
        processes = issue_all(province, instance, settings["render_once"])
        say(f"issuing 2,701 certificates in the background (2 processes{', one real rendering each' if settings['render_once'] else ''}); "
            "growing the copy to 10×")
        counts_x10 = grow(scaled, 1, 9)
        say(f"10× copy: {counts_x10['units']:,} units, {counts_x10['cadres']:,} cadres")
        queries_1 = count_queries(app, learners[0])
        app_x10 = make_app(scaled, instance)
        queries_10 = count_queries(app_x10, learners[0])
        dispose(app_x10)
        say(f"queries per page 1×: {queries_1}; 10×: {queries_10}")
        result.update(queries_per_page=queries_1, queries_per_page_x10=queries_10,
                      queries_per_page_max=max(queries_1.values()),
                      queries_growth=max(queries_10[p] - queries_1[p] for p in queries_1))

        # 3. certificates -------------------------------------------------------------------------
        started = time.monotonic()
        for process in processes:
            process.join(timeout=1800)
            if process.exitcode != 0:
                raise RuntimeError(f"issuing certificates failed (exit {process.exitcode})")
        processes = []
        say(f"certificates issued ({time.monotonic() - started:.0f} s after the query counts); "
            "rendering median (certificate_render.py)")
        result["cert_issue_rendered_each"] = not settings["render_once"]
        result.update(render_p50(settings["render_n"]))
        zip_figures = export_zip(app, work / "certificates.zip")
        (work / "certificates.zip").unlink()
        say(f"ZIP of {zip_figures['certificates']:,} certificates: {zip_figures['cert_zip_seconds']} s, "
            f"{zip_figures['zip_bytes'] / 1e6:.1f} MB")
        result.update(zip_figures)
        dispose(app)

        # 4. served: the baseline, then the platform ----------------------------------------------
        env = {**os.environ, "LMS_INSTANCE_PATH": str(instance), "DATABASE_URL": province, "LMS_SECRET_KEY": secret}
        env.pop("FLASK_DEBUG", None)
        throughput = {"connections": settings["connections"], "warmup": settings["warmup"], "duration": settings["duration"]}
        hello = Server("hello:create_app()", env, work / "hello.log", chdir=BENCH)
        try:
            say(f"hello world: {settings['connections']} connections, {settings['duration']} s")
            baseline = load("throughput", {"port": hello.port, "server_pid": hello.process.pid, "paths": ["/"],
                                           **throughput}, work, 300)
        finally:
            hello.stop()
        say(f"hello world: {baseline['rps']} requests/s, p99 {baseline['p99_ms']} ms, errors {baseline['errors']}")
        result.update(hello_rps=baseline["rps"], hello_p99_ms=baseline["p99_ms"],
                      hello_client_cpu_share=baseline["client_cpu_share"],
                      hello_cpu_ms=baseline["server_cpu_ms_per_request"])

        platform = Server("lms:create_app()", env, work / "platform.log")
        try:
            sessions = learner_sessions(learners)
            say(f"learner pages: {len(sessions)} cadres, {settings['connections']} connections, {settings['duration']} s")
            mix = load("throughput", {"port": platform.port, "server_pid": platform.process.pid, "sessions": sessions,
                                      **throughput}, work, 600)
            say(f"learner pages: {mix['rps']} requests/s, p50 {mix['p50_ms']} ms, p99 {mix['p99_ms']} ms, "
                f"errors {mix['errors']}; per page {mix['pages']}")
            result.update(learner_rps=mix["rps"], learner_p50_ms=mix["p50_ms"], learner_p99_ms=mix["p99_ms"],
                          learner_ratio=round(mix["rps"] / baseline["rps"], 3) if baseline["rps"] else None,
                          learner_errors=mix["errors"], learner_pages=mix["pages"],
                          learner_client_cpu_share=mix["client_cpu_share"],
                          learner_cpu_ms=mix["server_cpu_ms_per_request"],
                          learner_postgres_cpu_ms=mix["postgres_cpu_ms_per_request"])
            say(f"CPU per request: hello world {baseline['server_cpu_ms_per_request']} ms; learner page "
                f"{mix['server_cpu_ms_per_request']} ms in gunicorn + {mix['postgres_cpu_ms_per_request']} ms in PostgreSQL")

            single = load("throughput", {"port": platform.port, "sessions": sessions[:20], "connections": 1, "warmup": 1,
                                         "duration": settings["single_duration"]}, work, 300)
            say(f"learner pages, one connection: p50 {single['p50_ms']} ms, p99 {single['p99_ms']} ms "
                f"({single['rps']} requests/s)")
            result.update(learner_p50_ms_1conn=single["p50_ms"], learner_p99_ms_1conn=single["p99_ms"])

            weights = load("weight", {"port": platform.port, **learners[1], "paths": list(learner_pages(learners[1]).values())},
                           work, 120)
            result.update(page_weight_bytes_max=weights["page_weight_bytes_max"],
                          page_weights={p: w.get("total_bytes") for p, w in weights["pages"].items()})
            say(f"page weight (HTML + resources): {result['page_weights']}")

            if settings["takers"] > len(takers):
                copies = math.ceil((settings["takers"] - len(takers)) / 2701) + 1
                say(f"adding {copies} copies of the province's cadres for {settings['takers']:,} quiz takers")
                grow(province, 1, copies)
                takers += give_logins(app, settings["takers"] - len(takers))
            takers = takers[:settings["takers"]]
            saved = work / "saved.jsonl"
            spec = {"port": platform.port, "server_pid": platform.process.pid, "takers": takers,
                    "think": settings["think"], "ramp": settings["ramp"],
                    "time_limit": settings["quiz_time_limit"], "course": COURSE, "module": TAKER_MODULE,
                    "max_sockets": 256, "saved_out": str(saved)}
            say(f"quiz: {len(takers):,} takers, think time {settings['think']} s ± 50 %, ramp {settings['ramp']} s")
            quiz = load("quiz", spec, work, settings["quiz_time_limit"] + 120)
            say(f"quiz: p95 {quiz['quiz_p95_ms']} ms, {quiz['finished']} finished, {quiz['failed']} failed, "
                f"{quiz['unfinished']} cut off; {quiz['rps']} requests/s; at once at most {quiz['concurrent_max']:,}, "
                f"all of them for {quiz['all_at_once_s']} s; CPU per request {quiz['server_cpu_ms_per_request']} ms "
                f"+ {quiz['postgres_cpu_ms_per_request']} ms in PostgreSQL; per step {quiz['kinds']}; errors {quiz['errors']}")
        finally:
            platform.stop()
        check = lost_answers(app, saved)
        dispose(app)
        say(f"autosaves acknowledged {check['acknowledged']:,}, missing from the database {check['quiz_lost_answers']}")
        result.update(quiz_takers=quiz["takers"], quiz_think_s=quiz["think_s"], quiz_ramp_s=quiz["ramp_s"],
                      quiz_rate_as_takers_at_30s=round(quiz["takers"] * 30 / quiz["think_s"]),
                      quiz_concurrent_max=quiz["concurrent_max"], quiz_all_at_once_s=quiz["all_at_once_s"],
                      quiz_cpu_ms=quiz["server_cpu_ms_per_request"],
                      quiz_postgres_cpu_ms=quiz["postgres_cpu_ms_per_request"], quiz_p95_ms=quiz["quiz_p95_ms"],
                      quiz_lost_answers=check["quiz_lost_answers"], quiz_acknowledged_answers=check["acknowledged"],
                      quiz_answers_stored_differently=check["stored_differently"], quiz_finished=quiz["finished"],
                      quiz_failed=quiz["failed"], quiz_unfinished=quiz["unfinished"], quiz_rps=quiz["rps"],
                      quiz_steps=quiz["kinds"], quiz_errors=quiz["errors"], quiz_client_cpu_share=quiz["client_cpu_share"])

        # 5. national reports ---------------------------------------------------------------------
        result["report_p95_ms_national"] = result["report_p95_ms_national_live"] = None
        if settings["national_scale"]:
            say(f"national reports at scale {settings['national_scale']} (reports_national.py)")
            national = national_reports(settings["national_scale"], args.server, 10)
            result.update(report_p95_ms_national=national["report_p95_ms_national"],
                          report_p95_ms_national_live=national["report_p95_ms_national_live"],
                          reports_national=national["reports"], report_national_scale=settings["national_scale"])
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        if args.keep:
            say(f"kept {databases.created} and {work}")
        else:
            databases.drop_all()
            shutil.rmtree(work, ignore_errors=True)
    result["seconds"] = round(time.monotonic() - STARTED, 1)
    result["machine"] += f", load average at end {os.getloadavg()[0]:.1f}"
    say(f"done in {result['seconds']} s")
    print_summary(result)
    print(json.dumps(result, ensure_ascii=False))
    return 0


#: (key, target, comparison, which runs the target applies to). The quick run stands for the 10,000
#: takers with the same rate (``quiz_rate_as_takers_at_30s``) and computes no national reports.
TARGETS = [
    ("hello_rps", None, "", "both"), ("learner_rps", None, "", "both"), ("learner_ratio", 0.5, ">=", "both"),
    ("learner_p50_ms", None, "", "both"), ("learner_p99_ms", 50, "<=", "both"),
    ("queries_per_page_max", 10, "<=", "both"), ("queries_growth", 0, "<=", "both"),
    ("page_weight_bytes_max", 30 * 1024, "<=", "both"), ("quiz_takers", 10_000, ">=", "full"),
    ("quiz_rate_as_takers_at_30s", 10_000, ">=", "both"), ("quiz_p95_ms", 200, "<=", "both"),
    ("quiz_lost_answers", 0, "<=", "both"), ("cert_render_ms_p50", 50, "<=", "both"),
    ("cert_zip_seconds", 60, "<=", "both"), ("report_p95_ms_national", 300, "<=", "full"),
]


def print_summary(result: dict) -> None:
    print(f"{'figure':26} {'value':>12}  target")
    for key, target, op, runs in TARGETS:
        value = result.get(key)
        verdict = ""
        if runs == "full" and result.get("quick"):
            verdict = f"{op} {target:g} in the full run"
        elif target is not None and value is not None:
            ok = value >= target if op == ">=" else value <= target
            verdict = f"{op} {target:g}  {'ok' if ok else 'MISSED'}"
        print(f"{key:26} {'–' if value is None else value:>12}  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
