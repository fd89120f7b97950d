"""Reports at national scale: ``python benchmarks/reports_national.py [--scale 1.0] [-n 10]``.

Builds on PostgreSQL a database of its own (``lms_bench_national``, created here and dropped at the
end unless ``--keep``) at the scale of the Vietnam General Confederation of Labour: 63 provincial
federations, 127,000 grassroots unions, 1,000,000 cadres (with a transfer history for one in ten, and one
period of employment and levels each, which the overview joins),
10,000,000 training-record entries, 2,000,000 enrolments, 300,000 certificates and 40,000 in-person
classes with 3,500,000 attendances — all at ``--scale`` (0.01 for a quick trial). Rows are generated
inside PostgreSQL with ``generate_series``, so the load takes minutes, not hours.

It then runs the report functions the pages call (:func:`lms.reports.queries.overview` and
:func:`lms.reports.queries.roll_up`) N times each, for a federation admin and for a province's union
admin, and prints the median and 95th-percentile latency in milliseconds, the number of queries and
the row counts. ``--explain`` also prints EXPLAIN ANALYZE of the slowest statement of each report.

This is a measurement, not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NAME = "lms_bench_national"
FULL = {"provinces": 63, "uppers": 1_300, "grassroots": 127_000, "cadres": 1_000_000, "entries": 10_000_000,
        "enrolments": 2_000_000, "certificates": 300_000, "classes": 40_000, "attendances": 3_500_000}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def _sizes(scale: float) -> dict[str, int]:
    sizes = {k: max(1, int(v * scale)) for k, v in FULL.items()}
    sizes["provinces"] = min(63, max(2, int(63 * min(1.0, scale * 10))))
    sizes["uppers"] = max(sizes["provinces"] * 2, sizes["uppers"])
    sizes["classes"] = max(10, sizes["classes"])
    return sizes


LOAD = """
-- ids are laid out so that paths are arithmetic: root 1, provinces 2.., uppers, then grassroots
INSERT INTO units (id, code, name, search_key, level_id, track_id, parent_id, path, active_from, created_at)
VALUES (1, 'TLD', 'Tổng Liên đoàn Lao động Việt Nam', 'tong lien doan lao dong viet nam tld', 1, NULL, NULL, '/1/',
        DATE '1990-01-01', now());

INSERT INTO units (id, code, name, search_key, level_id, track_id, parent_id, path, active_from, created_at)
SELECT 1 + p, 'P' || p, 'Liên đoàn Lao động tỉnh ' || p, 'lien doan lao dong tinh ' || p, 1, NULL, 1,
       '/1/' || (1 + p) || '/', DATE '1990-01-01', now()
FROM generate_series(1, :provinces) AS p;

INSERT INTO units (id, code, name, search_key, level_id, track_id, parent_id, path, active_from, created_at)
SELECT 1 + :provinces + u, 'U' || u, 'Công đoàn cấp trên ' || u, 'cong doan cap tren ' || u, 2, 1 + (u % 2),
       2 + (u % :provinces), '/1/' || (2 + (u % :provinces)) || '/' || (1 + :provinces + u) || '/',
       DATE '2000-01-01', now()
FROM generate_series(1, :uppers) AS u;

INSERT INTO units (id, code, name, search_key, level_id, track_id, parent_id, path, active_from, active_to, created_at)
SELECT 1 + :provinces + :uppers + g, 'G' || g, 'Công đoàn cơ sở ' || g, 'cong doan co so ' || g, 3, 1 + (g % 2),
       1 + :provinces + 1 + (g % :uppers),
       '/1/' || (2 + ((1 + (g % :uppers)) % :provinces)) || '/' || (1 + :provinces + 1 + (g % :uppers)) || '/'
             || (1 + :provinces + :uppers + g) || '/',
       DATE '2005-01-01' + (g % 5000), CASE WHEN g % 50 = 0 THEN DATE '2025-06-11' END, now()
FROM generate_series(1, :grassroots) AS g;
SELECT setval(pg_get_serial_sequence('units', 'id'), (SELECT max(id) FROM units));

INSERT INTO cadres (id, code, full_name, sort_key, search_key, gender, birth_date, employment, education_level_id,
                    political_level_id, unit_id, email, phone, term, created_at, updated_at)
SELECT c, 'CB' || c, 'Nguyễn Văn ' || c, lpad((c::bigint * 7919 % 1000003)::text, 8, '0'), 'nguyen van ' || c,
       CASE WHEN c % 2 = 0 THEN 'female' ELSE 'male' END, DATE '1965-01-01' + (c % 12000),
       CASE WHEN c % 66 = 0 THEN 'full_time' ELSE 'part_time' END, 1 + (c % 5), CASE WHEN c % 4 = 0 THEN NULL ELSE 1 + (c % 3) END,
       1 + :provinces + :uppers + 1 + ((c * 31) % :grassroots), '', '', '2023–2028', now(), now()
FROM generate_series(1, :cadres) AS c;
-- cadres of the units dissolved in 2025 have no current unit
UPDATE cadres SET unit_id = NULL FROM units WHERE units.id = cadres.unit_id AND units.active_to IS NOT NULL;
SELECT setval(pg_get_serial_sequence('cadres', 'id'), (SELECT max(id) FROM cadres));

-- one membership per cadre in their unit; one cadre in ten transferred in 2021 from another unit
INSERT INTO memberships (cadre_id, unit_id, start_on, end_on, reason)
SELECT c, 1 + :provinces + :uppers + 1 + ((c * 31) % :grassroots),
       CASE WHEN c % 10 = 0 THEN DATE '2021-01-01' ELSE DATE '2010-01-01' + (c % 4000) END,
       CASE WHEN (1 + ((c * 31) % :grassroots)) % 50 = 0 THEN DATE '2025-06-11' END,
       CASE WHEN c % 10 = 0 THEN 'transfer' ELSE 'join' END
FROM generate_series(1, :cadres) AS c;
INSERT INTO memberships (cadre_id, unit_id, start_on, end_on, reason)
SELECT c, 1 + :provinces + :uppers + 1 + ((c * 37 + 11) % :grassroots), DATE '2012-01-01', DATE '2021-01-01', 'join'
FROM generate_series(10, :cadres, 10) AS c;

-- one open period of employment and levels per cadre (their current values), from their first membership
INSERT INTO cadre_facts (cadre_id, start_on, end_on, employment, education_level_id, political_level_id)
SELECT c.id, m.first_on, NULL, c.employment, c.education_level_id, c.political_level_id
FROM cadres c JOIN (SELECT cadre_id, min(start_on) AS first_on FROM memberships GROUP BY cadre_id) m ON m.cadre_id = c.id;

INSERT INTO blobs (id, sha256, size, created_at) VALUES (1, repeat('0', 64), 0, now());
INSERT INTO courses (id, code, owner_id, is_open, certificate_template, created_at)
SELECT k, 'KHOA-' || k, NULL, true, 'default', now() FROM generate_series(1, 20) AS k;
INSERT INTO course_versions (id, course_id, number, status, title, search_key, description, track_codes, sources, created_at)
SELECT k, k, 1, 'published', 'Khóa học ' || k, 'khoa hoc ' || k, '', '', '[]', now() FROM generate_series(1, 20) AS k;
SELECT setval(pg_get_serial_sequence('courses', 'id'), 20);
SELECT setval(pg_get_serial_sequence('course_versions', 'id'), 20);

INSERT INTO enrolments (cadre_id, course_id, version_id, enrolled_at, completed_at)
SELECT 1 + (e * 7 % :cadres), 1 + e % 20, 1 + e % 20, TIMESTAMPTZ '2016-01-01' + (e % 3650) * INTERVAL '1 day',
       CASE WHEN e % 10 < 7 THEN TIMESTAMPTZ '2016-02-01' + (e % 3650) * INTERVAL '1 day' END
FROM generate_series(1, :enrolments) AS e;

INSERT INTO certificates (cadre_id, issuer_unit_id, year, number, serial, verify_code, status, full_name, gender,
                          unit_name, title, hours, result, issued_on, template, course_id, pdf_blob_id, revoked_reason, created_at)
SELECT 1 + (k * 13 % :cadres), 1, 2016 + k % 10, k, k || '/GCN', md5(k::text), 'valid', 'Nguyễn Văn', 'male',
       '', 'Khóa học', 8, 'Đạt', DATE '2016-01-01' + (k % 3650), 'default', 1 + k % 20, 1, '', now()
FROM generate_series(1, :certificates) AS k;

INSERT INTO training_classes (id, title, topic, organiser_unit_id, start_on, end_on, hours, place, trainer_name,
                              grants_certificate, created_at)
SELECT k, 'Lớp tập huấn ' || k, 'Điều lệ', 1 + (k % (1 + :provinces + :uppers)), DATE '2014-01-01' + (k * 3 % 4000),
       DATE '2014-01-01' + (k * 3 % 4000) + 1, 16, '', '', false, now()
FROM generate_series(1, :classes) AS k;
SELECT setval(pg_get_serial_sequence('training_classes', 'id'), :classes);
INSERT INTO attendances (class_id, cadre_id, result)
SELECT k, 1 + ((k * 9973 + j) % :cadres), 'Đạt'
FROM generate_series(1, :classes) AS k, generate_series(0, :per_class - 1) AS j;

-- the training records: class entries for the attendances, external training, the rest online
INSERT INTO record_entries (cadre_id, kind, study_kind, title, provider, start_on, end_on, hours, result, class_id,
                            evidence_name, note, created_at)
SELECT a.cadre_id, 'class', NULL, t.title, '', t.start_on, t.end_on, t.hours, 'Đạt', t.id, '', '', now()
FROM attendances a JOIN training_classes t ON t.id = a.class_id;
INSERT INTO record_entries (cadre_id, kind, study_kind, title, provider, start_on, end_on, hours, result,
                            evidence_name, note, created_at)
SELECT 1 + (r * 17 % :cadres), 'external',
       (ARRAY['masters', 'political_advanced', 'political_intermediate', 'political_elementary'])[1 + r % 4],
       'Đào tạo', '', DATE '2012-01-01' + (r % 4500), DATE '2013-01-01' + (r % 4500), 0, '', '', '', now()
FROM generate_series(1, :external) AS r;
INSERT INTO record_entries (cadre_id, kind, study_kind, title, provider, start_on, end_on, hours, result, course_id,
                            evidence_name, note, created_at)
SELECT 1 + (r * 7 % :cadres), 'online', NULL, 'Khóa học', 'Nền tảng', NULL, DATE '2014-01-01' + (r % 4400),
       4 + r % 12, 'Đạt', 1 + r % 20, '', '', now()
FROM generate_series(1, :online) AS r;
"""


def _statements(sizes: dict[str, int]) -> list[str]:
    values = dict(sizes)
    values["per_class"] = max(1, sizes["attendances"] // sizes["classes"])
    values["external"] = max(1, sizes["entries"] // 200)
    values["online"] = max(1, sizes["entries"] - values["per_class"] * sizes["classes"] - values["external"])
    text = LOAD
    for key in sorted(values, key=len, reverse=True):
        text = text.replace(f":{key}", str(values[key]))
    return [chunk.strip() for chunk in text.split(";\n") if chunk.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the national scale (default 1.0)")
    parser.add_argument("-n", "--runs", type=int, default=10, help="runs of each report (default 10)")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres", help="PostgreSQL server URL")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (and reuse it if present)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest statement of each report")
    args = parser.parse_args(argv)

    import sqlalchemy as sa

    server = sa.make_url(args.server).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (NAME,)).scalar()
        reuse = bool(exists) and args.keep
        if exists and not reuse:
            conn.exec_driver_sql(f'DROP DATABASE "{NAME}" WITH (FORCE)')
        if not reuse:
            conn.exec_driver_sql(f"CREATE DATABASE \"{NAME}\" ENCODING 'UTF8' TEMPLATE template0")
    url = server.set(database=NAME).render_as_string(hide_password=False)
    try:
        return _run(args, url, reuse)
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        admin.dispose()


def _run(args, url: str, reuse: bool) -> int:
    import tempfile

    from flask_migrate import upgrade
    from sqlalchemy import select, text

    from lms import create_app
    from lms.core.db import db

    app = create_app({"TESTING": True, "SECRET_KEY": secrets.token_hex(8), "SQLALCHEMY_DATABASE_URI": url,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    app.instance_path = tempfile.mkdtemp(prefix="lms-bench-")
    sizes = _sizes(args.scale)
    with app.app_context():
        upgrade()  # a kept database is brought up to date; a failed load left it empty and is loaded again
        if not (reuse and db.session.scalar(text("SELECT EXISTS (SELECT 1 FROM units)"))):
            started = time.perf_counter()
            for statement in _statements(sizes):
                db.session.execute(text(statement))
            db.session.commit()
            loaded = time.perf_counter() - started
            started = time.perf_counter()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            print(f"load {loaded:.1f} s, vacuum analyze {time.perf_counter() - started:.1f} s")
        from lms.accounts.models import User
        from lms.accounts.operations import create_user
        from lms.orgs.models import Unit

        if db.session.scalar(select(User.id).where(User.username == "bench_admin")) is None:
            create_user("bench_admin", "mat-khau-bench", "federation_admin")
            create_user("bench_province", "mat-khau-bench", "union_admin", "P2")
            db.session.commit()

        counts = {table: db.session.scalar(text(f"SELECT count(*) FROM {table}")) for table in (
            "units", "cadres", "memberships", "cadre_facts", "record_entries", "enrolments", "certificates", "training_classes",
            "attendances")}
        print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))

        from lms.reports.queries import Filters, overview, roll_up

        fed_admin = db.session.scalar(select(User).where(User.username == "bench_admin"))
        province_admin = db.session.scalar(select(User).where(User.username == "bench_province"))
        root = db.session.get(Unit, 1)
        province = db.session.scalar(select(Unit).where(Unit.code == "P2"))
        upper = db.session.scalar(select(Unit).where(Unit.parent_id == province.id).order_by(Unit.id).limit(1))
        grassroots = db.session.scalar(
            select(Unit).where(Unit.path.startswith(province.path), Unit.level_id == 3, Unit.active_to.is_(None))
            .order_by(Unit.id).limit(1))
        term = Filters()
        year = Filters(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
        reports = {
            "overview, national (federation admin)": lambda: overview(fed_admin),
            "overview, national, as of 01/01/2020": lambda: overview(fed_admin, as_of=dt.date(2020, 1, 1)),
            "overview, one province (union admin)": lambda: overview(province_admin),
            "roll-up, national → 63 provinces, 2014–2019": lambda: roll_up(fed_admin, root, term),
            "roll-up, national → 63 provinces, 2024": lambda: roll_up(fed_admin, root, year),
            "roll-up, province → upper unions": lambda: roll_up(province_admin, province, term),
            "roll-up, upper union → grassroots": lambda: roll_up(province_admin, upper, term),
            "roll-up, grassroots → cadres": lambda: roll_up(province_admin, grassroots, term),
        }
        results: dict = {}
        # 1. live: every figure computed from the data at each view (snapshots off)
        app.config["REPORT_SNAPSHOT_MIN_SECONDS"] = None
        results["live"] = _measure(args, db, reports, "live: every view computes from the data")
        # 2. served: after `lms reports refresh` (cron), with the production snapshot settings
        from lms.reports.operations import refresh_snapshots

        from lms import config as defaults

        app.config["REPORT_SNAPSHOT_MIN_SECONDS"] = defaults.REPORT_SNAPSHOT_MIN_SECONDS
        app.config["REPORT_SNAPSHOT_MAX_AGE"] = defaults.REPORT_SNAPSHOT_MAX_AGE
        started = time.perf_counter()
        refreshed = refresh_snapshots(depth=1, day=None)
        db.session.commit()
        refresh_seconds = time.perf_counter() - started
        print(f"\nlms reports refresh --depth 1: {len(refreshed)} reports in {refresh_seconds:.1f} s "
              f"(slowest: {max(r.seconds for r in refreshed):.1f} s)")
        results["served"] = _measure(args, db, reports, "served: after `lms reports refresh`, snapshots on")
        results["refresh_seconds"] = round(refresh_seconds, 1)
        results["refreshed_reports"] = len(refreshed)
        print(json.dumps(results, ensure_ascii=False))
    return 0


def _measure(args, db, reports: dict, heading: str) -> dict:
    from sqlalchemy import event

    print(f"\n{heading}\n{'report':48} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8}")
    figures = {}
    for name, call in reports.items():
        timings, statements = [], []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters, time.perf_counter()))

        call()  # warm the caches once (and, with snapshots on, keep a slow report that `refresh` does not)
        db.session.commit()
        event.listen(db.engine, "before_cursor_execute", before)
        slowest: dict = {}
        try:
            for _ in range(args.runs):
                statements.clear()
                started = time.perf_counter()
                call()
                timings.append((time.perf_counter() - started) * 1000)
                marks = [s[2] for s in statements] + [time.perf_counter()]
                for (stmt, params, at), nxt in zip(statements, marks[1:]):
                    if nxt - at > slowest.get("time", 0):
                        slowest = {"time": nxt - at, "sql": stmt, "params": params}
                db.session.rollback()
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        figures[name] = {"p50_ms": round(statistics.median(timings), 1), "p95_ms": round(_percentile(timings, 0.95), 1),
                         "queries": len(statements)}
        print(f"{name:48} {statistics.median(timings):9.1f} {_percentile(timings, 0.95):9.1f} {len(statements):8d}")
        if args.explain and slowest:
            print(f"  slowest statement ({slowest['time'] * 1000:.0f} ms):")
            with db.engine.connect() as conn:
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"], slowest["params"]).all()
            for (line,) in plan:
                print("    " + line)
    return figures


if __name__ == "__main__":
    sys.exit(main())
