"""``lms backup`` and ``lms restore`` round-trip a populated database and its blob folder.

Database A holds the demo province (with its learners' attempts and certificates) plus an attempt in
progress with saved answers and an extra blob. Its backup, restored into a fresh database B, gives
the same rows in every table (read in primary-key order) and the same blob files. Restoring refuses,
changing nothing, a database in use without ``--yes``, a damaged file, a backup of another schema
revision, and data the database rejects half-way. On SQLite by default, PostgreSQL → PostgreSQL with
``TEST_DATABASE_URL``, and then SQLite → PostgreSQL as well.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from lms.core.backup import MANIFEST, REFERENCE_TABLES, tables_in_use
from lms.core.db import db
from tests.conftest import fresh_app

PASSWORD = "mat-khau-sao-luu-2026"
EXTRA_BLOB = b"%PDF-1.4\n% a file the backup must carry byte for byte\n" + bytes(range(256))


def lms(app, *args: str, expect: int = 0):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == expect, result.output + repr(result.exception)
    return result


def populate(app) -> None:
    """The demo, an attempt in progress with saved answers, and a blob no row refers to."""
    lms(app, "demo", "--yes", "--password", PASSWORD)
    from lms.accounts.models import User
    from lms.courses import operations as course_operations
    from lms.courses import storage
    from lms.courses.models import Course
    from lms.quizzes import operations as quiz_operations
    from lms.quizzes.models import Quiz

    with app.test_request_context():
        cadre = db.session.scalar(select(User).where(User.username == "cadre2")).cadre
        course = db.session.scalar(select(Course).where(Course.code == "DIEU-LE-LUAT-2024"))
        enrolment = course_operations.open_enrolment(cadre, course)
        module = course_operations.latest(course).modules[1]
        quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == module.id))
        attempt = quiz_operations.start_attempt(quiz, cadre, enrolment)
        for answer in attempt.answers[:3]:
            data = json.loads(answer.question.data)
            if answer.question.type in ("single_choice", "true_false"):
                value = data["options"][-1]["id"] if "options" in data else "false"
                quiz_operations.save_answer(attempt, answer.position, MultiDict({f"q{answer.position}-choice": value}))
        assert sum(a.response is not None for a in attempt.answers) >= 2
        storage.store(EXTRA_BLOB)
        db.session.commit()


def snapshot(app) -> dict[str, list[tuple]]:
    """Every table's rows, in primary-key order."""
    with app.app_context(), db.engine.connect() as conn:
        return {table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
                for table in db.metadata.sorted_tables}


def blob_files(app) -> dict[str, bytes]:
    root = Path(app.instance_path) / "blobs"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_same(a, b) -> None:
    left, right = snapshot(a), snapshot(b)
    assert left.keys() == right.keys()
    for name in left:
        assert len(left[name]) == len(right[name]), name
        assert left[name] == right[name], name
    assert blob_files(a) == blob_files(b)


def rewrite(source: Path, target: Path, change) -> None:
    """Copy a backup, letting ``change(name, data)`` alter members, and fix the manifest's checksums."""
    with zipfile.ZipFile(source) as zin:
        manifest = json.loads(zin.read(MANIFEST))
        members = {name: change(name, zin.read(name)) for name in zin.namelist() if name != MANIFEST}
    for entry in manifest["tables"]:
        data = members[entry["file"]]
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        entry["rows"] = data.count(b"\n")
    manifest = json.loads(change(MANIFEST, json.dumps(manifest).encode()))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members.items():
            zout.writestr(name, data)
        zout.writestr(MANIFEST, json.dumps(manifest))


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    with fresh_app(tmp_path_factory.mktemp("backup-a")) as app:
        populate(app)
        yield app


@pytest.fixture(scope="module")
def backup(source, tmp_path_factory):
    path = tmp_path_factory.mktemp("backups") / "lms-backup.zip"
    result = lms(source, "backup", str(path), "--batch-size", "97")
    assert "Đã sao lưu" in result.output
    return path


@pytest.fixture()
def target(tmp_path):
    with fresh_app(tmp_path / "b") as app:
        yield app


def test_a_backup_restores_identically_into_a_fresh_database(source, backup, target):
    with zipfile.ZipFile(backup) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    with source.app_context():
        assert manifest["alembic_revision"] == db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalar()
        assert [t["name"] for t in manifest["tables"]] == [t.name for t in db.metadata.sorted_tables]
    assert {b["path"] for b in manifest["blobs"]} == set(blob_files(source))
    assert hashlib.sha256(EXTRA_BLOB).hexdigest() in {b["sha256"] for b in manifest["blobs"]}
    assert any(t["name"] == "attempt_answers" and t["rows"] > 0 for t in manifest["tables"])

    result = lms(target, "restore", str(backup), "--batch-size", "37")
    assert "Đã khôi phục" in result.output
    assert_same(source, target)

    # the restored platform works: the demo logins, and new rows get fresh ids (PostgreSQL sequences reset)
    client = target.test_client()
    assert client.post("/login", data={"username": "cadre", "password": PASSWORD}).status_code == 302
    with target.test_request_context():
        from lms.accounts.operations import create_user
        from lms.courses import storage

        user = create_user("sau-khoi-phuc", PASSWORD, "trainer", None, None)
        blob = storage.store(b"%PDF-1.4 new after restore")
        db.session.commit()
        assert user.id > max(row[0] for row in snapshot(source)["users"])
        assert blob.id > max(row[0] for row in snapshot(source)["blobs"])


def test_restoring_over_data_needs_yes(source, backup, target):
    lms(target, "restore", str(backup))
    with target.test_request_context():
        from lms.accounts.models import User

        db.session.execute(db.update(User).where(User.username == "cadre").values(username="cadre-doi-ten"))
        db.session.commit()
    changed = snapshot(target)

    result = lms(target, "restore", str(backup), expect=1)
    assert "Cơ sở dữ liệu đang có dữ liệu" in result.output and "--yes" in result.output
    assert snapshot(target) == changed

    lms(target, "restore", str(backup), "--yes")
    assert_same(source, target)


def test_a_freshly_migrated_database_counts_as_empty(target):
    with target.app_context(), db.engine.connect() as conn:
        assert tables_in_use(conn) == []
        seeded = {t.name for t in db.metadata.sorted_tables
                  if conn.execute(select(db.func.count()).select_from(t)).scalar()}
    assert seeded <= REFERENCE_TABLES


@pytest.mark.parametrize("damage", ["flipped-bytes", "truncated", "not-a-zip", "no-manifest"])
def test_a_damaged_backup_is_refused_and_changes_nothing(backup, target, tmp_path, damage):
    blobs = Path(target.instance_path) / "blobs"
    blobs.mkdir(parents=True)
    (blobs / "keep").write_bytes(b"an existing file")
    before = snapshot(target), blob_files(target)
    broken = tmp_path / "broken.zip"
    data = bytearray(backup.read_bytes())
    if damage == "flipped-bytes":
        with zipfile.ZipFile(backup) as archive:
            info = archive.getinfo("tables/cadres.jsonl")
        middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
        data[middle:middle + 8] = bytes(b ^ 0xFF for b in data[middle:middle + 8])
        broken.write_bytes(bytes(data))
    elif damage == "truncated":
        broken.write_bytes(bytes(data[: len(data) // 2]))
    elif damage == "not-a-zip":
        broken.write_text("id,name\n1,không phải bản sao lưu\n")
    else:
        rewrite(backup, broken, lambda name, d: d)
        with zipfile.ZipFile(broken) as zin, zipfile.ZipFile(tmp_path / "x.zip", "w") as zout:
            for name in zin.namelist():
                if name != MANIFEST:
                    zout.writestr(name, zin.read(name))
        shutil.move(tmp_path / "x.zip", broken)

    result = lms(target, "restore", str(broken), "--yes", expect=1)
    assert "bị hỏng" in result.output and "Chưa khôi phục gì" in result.output
    assert (snapshot(target), blob_files(target)) == before


def test_a_backup_of_another_revision_is_refused(backup, target, tmp_path):
    other = tmp_path / "old.zip"
    rewrite(backup, other, lambda name, d: d.replace(b'"alembic_revision": "', b'"alembic_revision": "x')
            if name == MANIFEST else d)
    before = snapshot(target)
    result = lms(target, "restore", str(other), expect=1)
    assert "phiên bản cơ sở dữ liệu x" in result.output and "Chưa khôi phục gì" in result.output
    assert snapshot(target) == before


def test_data_the_database_rejects_half_way_restores_nothing(source, backup, target, tmp_path):
    """The last table's rows refer to an attempt that does not exist: everything before is rolled back too."""
    lms(target, "restore", str(backup))
    blobs = Path(target.instance_path) / "blobs"
    (blobs / "local-only").write_bytes(b"written after the first restore")
    with target.test_request_context():
        from lms.accounts.models import User

        db.session.execute(db.update(User).where(User.username == "admin").values(username="admin-2"))
        db.session.commit()
    before = snapshot(target), blob_files(target)

    def orphan_answer(name, data):
        if name != "tables/attempt_answers.jsonl":
            return data
        row = json.loads(data.splitlines()[0])
        row.update(id=10**9, attempt_id=10**9)
        return data + json.dumps(row).encode() + b"\n"

    bad = tmp_path / "rejected.zip"
    rewrite(backup, bad, orphan_answer)
    result = lms(target, "restore", str(bad), "--yes", expect=1)
    assert "cơ sở dữ liệu từ chối dữ liệu" in result.output and "Chưa khôi phục gì" in result.output
    assert (snapshot(target), blob_files(target)) == before
    assert not [p for p in blobs.parent.iterdir() if p.name.startswith(".blobs")]


def test_a_sqlite_backup_restores_into_postgresql(tmp_path_factory):
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("SQLite → PostgreSQL needs a PostgreSQL server (set TEST_DATABASE_URL)")
    folder = tmp_path_factory.mktemp("sqlite-to-postgres")
    with fresh_app(folder / "a", postgres=False) as sqlite_app, fresh_app(folder / "b", postgres=True) as pg_app:
        populate(sqlite_app)
        lms(sqlite_app, "backup", str(folder / "from-sqlite.zip"))
        lms(pg_app, "restore", str(folder / "from-sqlite.zip"))
        assert_same(sqlite_app, pg_app)
        with pg_app.test_request_context():
            from lms.courses import storage

            assert storage.store(b"%PDF-1.4 after the move").id > len(snapshot(sqlite_app)["blobs"])
            db.session.commit()
