"""Bulk export time: ``python benchmarks/certificate_zip.py [-n 2000] [--issue] [--http]``.

Builds a throw-away instance (SQLite in a temporary folder, schema from the migrations) holding N
certificates, then times exporting them all as one stored ZIP, the way the register's download and
``lms certificates export`` do it: the selection query, the size check of every stored PDF, and the
streamed archive. Prints the seconds, the archive size and the throughput in MB/s, and checks that
the predicted Content-Length equals the bytes produced.

By default the N PDFs are one rendered certificate made distinct per row (a trailing PDF comment),
so that setting up 10,000 certificates takes seconds; ``--issue`` issues each one for real through
``issue_certificate`` (rendering included, ~40 ms each) and also reports the issuing rate.
``--http`` streams the archive through the Flask view (federation admin) instead of calling the
generator directly.

This is a measurement, not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _setup(app, n: int, issue: bool) -> float:
    """N certificates in the register; returns the seconds spent issuing (0 without ``--issue``)."""
    from lms.accounts.operations import create_user
    from lms.cadres.operations import CadreData, create_cadre
    from lms.certificates import operations
    from lms.certificates.models import Certificate
    from lms.certificates.rendering import preview_data, render_pdf
    from lms.certificates.templates.default import DefaultTemplate
    from lms.core.db import db
    from lms.core.settings import save_settings
    from lms.courses import storage
    from lms.orgs.models import UnitLevel
    from lms.orgs.operations import create_unit

    level = db.session.query(UnitLevel).filter_by(code="federation").one()
    root = create_unit(code="LDLD", name="Liên đoàn Lao động tỉnh Thử", level=level, parent=None, track=None,
                       active_from=dt.date(2020, 1, 1))
    cadre = create_cadre(CadreData(code="CB000001", full_name="Nguyễn Thị Ánh Tuyết", gender="female", unit=root,
                                   birth_date=dt.date(1985, 8, 12), employment="part_time", titles=[]),
                         dt.date(2021, 1, 1))
    create_user("admin", "mat-khau-do-dai-du-16", "federation_admin", None, None)
    save_settings({"signer_name": "Đặng Hữu Phước"})
    db.session.commit()

    if issue:
        started = time.perf_counter()
        facts = operations.Facts("Bồi dưỡng nghiệp vụ công tác công đoàn", 40, dt.date(2026, 3, 2), dt.date(2026, 3, 4))
        for i in range(n):
            operations.issue_certificate(cadre, facts, issued_on=dt.date(2026, 3, 5))
            if i % 200 == 199:
                db.session.commit()
        db.session.commit()
        return time.perf_counter() - started

    base = render_pdf(DefaultTemplate, preview_data())
    rows = []
    for i in range(1, n + 1):
        blob = storage.store(base + f"\n% {i}\n".encode())
        rows.append(Certificate(
            cadre_id=cadre.id, issuer_unit_id=root.id, year=2026, number=i, serial=f"{i}/GCN-LĐLĐ-2026",
            verify_code=f"bench-{i:08d}", full_name=cadre.full_name, birth_date=cadre.birth_date, gender="female",
            unit_name=root.name, title="Bồi dưỡng nghiệp vụ công tác công đoàn", hours=40, issued_on=dt.date(2026, 3, 5),
            pdf_blob_id=blob.id,
        ))
    db.session.add_all(rows)
    db.session.commit()
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="certificates to export (default 2000)")
    parser.add_argument("--issue", action="store_true", help="issue each certificate for real (renders N PDFs)")
    parser.add_argument("--http", action="store_true", help="stream through the Flask view instead of the generator")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="lms-bench-zip-") as folder:
        os.environ["LMS_INSTANCE_PATH"] = folder
        from flask_migrate import upgrade

        from lms import create_app
        from lms.core.db import db

        app = create_app({"TESTING": True, "SECRET_KEY": "benchmark-only", "WTF_CSRF_ENABLED": False,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            upgrade()
            issuing = _setup(app, args.n, args.issue)

            from lms.certificates import queries

            started = time.perf_counter()
            if args.http:
                client = app.test_client()
                client.post("/login", data={"username": "admin", "password": "mat-khau-do-dai-du-16"})
                response = client.get("/certificates/export.zip")
                expected = int(response.headers["Content-Length"])
                produced = sum(len(chunk) for chunk in response.response)
                response.close()
                count = args.n
            else:
                items = queries.export_items(None, queries.Filters())
                selected = time.perf_counter()
                entries = queries.export_entries(items)
                checked = time.perf_counter()
                expected = queries.zip_size((i.filename, i.size) for i in items)
                produced = sum(len(chunk) for chunk in queries.zip_stream(entries))
                count = len(items)
            seconds = time.perf_counter() - started
            db.session.remove()

    megabytes = produced / 1_000_000
    print(f"certificates={count} via={'http' if args.http else 'generator'}")
    if args.issue:
        print(f"issue_seconds={issuing:.2f} issue_per_second={args.n / issuing:.1f}")
    if not args.http:
        print(f"select_seconds={selected - started:.3f} size_check_seconds={checked - selected:.3f}")
    print(f"zip_seconds={seconds:.3f} zip_mb={megabytes:.1f} mb_per_second={megabytes / seconds:.1f}")
    print(f"content_length_exact={expected == produced}")
    return 0 if expected == produced else 1


if __name__ == "__main__":
    sys.exit(main())
