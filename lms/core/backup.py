"""Portable logical backups: every table as JSON lines, the Alembic revision and the blob store, in one ZIP.

A backup file holds::

    manifest.json           format and version, when, the Alembic revision, the source dialect,
                            per table its columns, row count and SHA-256, per blob its size and SHA-256
    tables/<table>.jsonl    one JSON object per row, in primary-key order (dates and datetimes ISO 8601,
                            bytes base64, decimals as strings)
    blobs/<ab>/<sha256>     the files of ``instance/blobs``, byte for byte

It is logical, not a copy of the database file, so a backup taken on SQLite restores on PostgreSQL
and the other way round. Both directions stream: the backup reads each table in batches
(``yield_per``) and writes it straight into the ZIP, the restore reads each member line by line and
inserts in batches, so memory stays bounded by the batch size whatever the size of the database.

Restoring checks the whole file (every checksum and row count) before it changes anything, then
empties the tables in reverse dependency order and fills them in dependency order inside one
transaction; the blobs are unpacked beside the blob folder first and swapped in just before the
commit. A failure at any step leaves the database and the blob folder as they were.
"""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import json
import os
import re
import secrets
import shutil
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Integer, Table, bindparam, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import LargeBinary, Date, DateTime, Float, Numeric, Time, TypeDecorator, Uuid

from lms.core.db import db, utcnow

FORMAT = "lms-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH_SIZE = 1000
#: Tables that ``lms db upgrade`` fills with reference data: rows there do not make a database "in use".
#: (A test checks that a freshly migrated database counts as empty, so a new seeded table shows up.)
# cache_stamps: rows the migrations seed (see lms.core.cache), not data anyone entered.
REFERENCE_TABLES = frozenset({"cache_stamps", "education_levels", "political_levels", "title_types", "tracks", "unit_levels"})
_BLOB_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup could not be written or restored; the message is for the operator (Vietnamese)."""


@dataclass
class BackupSummary:
    path: Path
    revision: str
    tables: dict[str, int] = field(default_factory=dict)
    blobs: int = 0

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


# -- values ---------------------------------------------------------------------------------------

def _kind(column) -> str:
    """How a column's values are written as JSON: by the column's type, so restoring needs no guessing."""
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, DateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Time):
        return "time"
    if isinstance(kind, LargeBinary):
        return "bytes"
    if isinstance(kind, Uuid):
        return "uuid"
    if isinstance(kind, Numeric) and not isinstance(kind, Float) and kind.asdecimal:
        return "decimal"
    return "plain"


def _encode(kind: str, value):
    if value is None or kind == "plain":
        return value
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def _decode(kind: str, value):
    if value is None or kind == "plain":
        return value
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "time":
        return dt.time.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value)
    if kind == "uuid":
        return uuid.UUID(value)
    return decimal.Decimal(value)


def _tables() -> list[Table]:
    """Every table of the metadata, parents before children."""
    return list(db.metadata.sorted_tables)


def _member(table: Table) -> str:
    return f"tables/{table.name}.jsonl"


def blob_folder() -> Path:
    return Path(current_app.instance_path) / "blobs"


# -- revisions ------------------------------------------------------------------------------------

def database_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def tables_in_use(connection: Connection) -> list[str]:
    """The tables holding rows, apart from the reference data the migrations seed."""
    used = []
    for table in _tables():
        if table.name in REFERENCE_TABLES:
            continue
        if connection.execute(select(func.count()).select_from(table)).scalar():
            used.append(table.name)
    return used


# -- backup ---------------------------------------------------------------------------------------

class _HashingWriter:
    """Writes through to a ZIP member while counting and hashing the bytes."""

    def __init__(self, target):
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self.target.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)


def create_backup(output: Path, *, batch_size: int = BATCH_SIZE) -> BackupSummary:
    """Write a backup of the configured database and the blob folder to ``output`` (a ZIP).

    The tables are read in one transaction (REPEATABLE READ on PostgreSQL, one read transaction on
    SQLite), so the backup is a consistent snapshot even while the platform is in use. The file is
    written beside ``output`` and renamed at the end: an interrupted backup never leaves a file
    that looks complete.
    """
    output = Path(output)
    if output.resolve().is_relative_to(blob_folder().resolve()):
        raise BackupError(f"Không ghi bản sao lưu vào trong thư mục tệp {blob_folder()}: hãy chọn nơi khác.")
    partial = output.with_name(f".{output.name}.{secrets.token_hex(4)}.part")
    db.session.remove()
    manifest: dict = {"format": FORMAT, "version": FORMAT_VERSION, "created_at": utcnow().isoformat(),
                      "dialect": db.engine.dialect.name, "tables": [], "blobs": []}
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            engine = db.engine
            options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
            with engine.connect().execution_options(**options) as conn, conn.begin():
                revision = database_revision(conn)
                if revision is None:
                    raise BackupError("Cơ sở dữ liệu chưa có bảng nào (chưa chạy `lms db upgrade`): không có gì để sao lưu.")
                manifest["alembic_revision"] = revision
                summary = BackupSummary(output, revision)
                for table in _tables():
                    manifest["tables"].append(_write_table(archive, conn, table, batch_size))
                    summary.tables[table.name] = manifest["tables"][-1]["rows"]
            for entry in _write_blobs(archive):
                manifest["blobs"].append(entry)
            summary.blobs = len(manifest["blobs"])
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        os.replace(partial, output)
    except OSError as exc:
        raise BackupError(f"Không ghi được tệp sao lưu {output}: {exc.strerror or exc}.") from exc
    finally:
        partial.unlink(missing_ok=True)
    return summary


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _write_table(archive: zipfile.ZipFile, conn: Connection, table: Table, batch_size: int) -> dict:
    columns = list(table.columns)
    kinds = [_kind(c) for c in columns]
    names = [c.name for c in columns]
    query = select(*columns).order_by(*table.primary_key.columns)
    rows = 0
    with archive.open(_entry(_member(table)), "w", force_zip64=True) as member:
        writer = _HashingWriter(member)
        result = conn.execution_options(yield_per=batch_size).execute(query)
        for batch in result.partitions():
            lines = []
            for row in batch:
                record = {name: _encode(kind, value) for name, kind, value in zip(names, kinds, row)}
                lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            writer.write(("\n".join(lines) + "\n").encode("utf-8"))
            rows += len(batch)
    return {"name": table.name, "file": _member(table), "columns": names, "rows": rows,
            "sha256": writer.sha256.hexdigest()}


def _write_blobs(archive: zipfile.ZipFile):
    root = blob_folder()
    if not root.is_dir():
        return
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(root).as_posix()
        with path.open("rb") as source, archive.open(_entry(f"blobs/{relative}"), "w", force_zip64=True) as member:
            writer = _HashingWriter(member)
            while chunk := source.read(_CHUNK):
                writer.write(chunk)
        yield {"path": relative, "size": writer.size, "sha256": writer.sha256.hexdigest()}


# -- restore --------------------------------------------------------------------------------------

@dataclass
class RestoreSummary:
    revision: str
    tables: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    created_at: str = ""
    dialect: str = ""

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def _corrupt(source: Path, detail: str) -> BackupError:
    return BackupError(f"Tệp sao lưu {source} bị hỏng hoặc không phải tệp sao lưu của nền tảng ({detail}). "
                       "Chưa khôi phục gì; cơ sở dữ liệu giữ nguyên.")


def read_manifest(archive: zipfile.ZipFile, source: Path) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except KeyError:
        raise _corrupt(source, f"thiếu {MANIFEST}") from None
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, OSError) as exc:
        raise _corrupt(source, f"không đọc được {MANIFEST}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _corrupt(source, f"{MANIFEST} không đúng định dạng {FORMAT}")
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"Tệp sao lưu ở định dạng phiên bản {manifest.get('version')}; bản này chỉ đọc được "
                          f"phiên bản {FORMAT_VERSION}. Chưa khôi phục gì.")
    return manifest


def _safe_blob_path(relative: str) -> bool:
    parts = PurePosixPath(relative).parts
    return bool(parts) and not relative.startswith("/") and all(
        part not in (".", "..") and _BLOB_NAME.match(part) for part in parts)


def verify_backup(archive: zipfile.ZipFile, source: Path) -> dict:
    """Read the whole file once and check it against its manifest and this platform's tables.

    Every member is read to the end (the ZIP's CRC-32 and the manifest's SHA-256 both checked), every
    line must be a JSON object with exactly the table's columns, and every count must match.
    """
    manifest = read_manifest(archive, source)
    expected = {t.name: [c.name for c in t.columns] for t in _tables()}
    entries = manifest.get("tables")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise _corrupt(source, "danh sách bảng không hợp lệ")
    found = {e.get("name"): e for e in entries}
    if set(found) != set(expected):
        missing, extra = sorted(set(expected) - set(found)), sorted(set(found) - set(expected), key=str)
        raise BackupError("Các bảng trong tệp sao lưu không khớp với phiên bản này của nền tảng "
                          f"(thiếu: {', '.join(missing) or 'không'}; thừa: {', '.join(map(str, extra)) or 'không'}). "
                          "Chưa khôi phục gì.")
    for name, columns in expected.items():
        entry = found[name]
        if entry.get("columns") != columns or entry.get("file") != f"tables/{name}.jsonl":
            raise BackupError(f"Các cột của bảng {name} trong tệp sao lưu không khớp với cơ sở dữ liệu. Chưa khôi phục gì.")
        digest, rows = hashlib.sha256(), 0
        wanted = set(columns)
        try:
            with archive.open(entry["file"]) as member:
                for line in member:
                    digest.update(line)
                    record = json.loads(line)
                    if not isinstance(record, dict) or set(record) != wanted:
                        raise _corrupt(source, f"dòng {rows + 1} của bảng {name} không đúng các cột")
                    rows += 1
        except KeyError:
            raise _corrupt(source, f"thiếu {entry['file']}") from None
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise _corrupt(source, f"{entry['file']}: {exc}") from exc
        if digest.hexdigest() != entry.get("sha256") or rows != entry.get("rows"):
            raise _corrupt(source, f"bảng {name}: tổng kiểm tra hoặc số dòng không khớp")
    blobs = manifest.get("blobs")
    if not isinstance(blobs, list):
        raise _corrupt(source, "danh sách tệp không hợp lệ")
    for blob in blobs:
        relative = blob.get("path") if isinstance(blob, dict) else None
        if not isinstance(relative, str) or not _safe_blob_path(relative):
            raise _corrupt(source, f"đường dẫn tệp không hợp lệ: {relative!r}")
        digest, size = hashlib.sha256(), 0
        try:
            with archive.open(f"blobs/{relative}") as member:
                while chunk := member.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
        except KeyError:
            raise _corrupt(source, f"thiếu blobs/{relative}") from None
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise _corrupt(source, f"blobs/{relative}: {exc}") from exc
        if digest.hexdigest() != blob.get("sha256") or size != blob.get("size"):
            raise _corrupt(source, f"tệp blobs/{relative}: tổng kiểm tra không khớp")
    return manifest


def restore_backup(source: Path, *, replace: bool = False, batch_size: int = BATCH_SIZE) -> RestoreSummary:
    """Replace the configured database's rows and the blob folder with those of the backup ``source``.

    Refuses (:class:`BackupError`, nothing changed) when the file is damaged, when the database is not
    at the migrations' head revision or the backup was taken at another revision, and — unless
    ``replace`` — when the database already holds data.
    """
    source = Path(source)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _corrupt(source, str(exc)) from exc
    with archive:
        manifest = verify_backup(archive, source)
        db.session.remove()
        engine = db.engine
        head = head_revision()
        with engine.connect() as conn:
            with conn.begin():
                current = database_revision(conn)
                if current != head:
                    raise BackupError(
                        f"Cơ sở dữ liệu đang ở phiên bản {current or '(trống)'}, chưa phải phiên bản mới nhất {head}: "
                        "hãy chạy `lms db upgrade` trước rồi khôi phục lại. Chưa khôi phục gì.")
                if manifest.get("alembic_revision") != head:
                    raise BackupError(
                        f"Tệp sao lưu được tạo ở phiên bản cơ sở dữ liệu {manifest.get('alembic_revision')}, còn "
                        f"cơ sở dữ liệu này ở phiên bản {head}: chỉ khôi phục được bản sao lưu cùng phiên bản. "
                        "Hãy khôi phục bằng đúng phiên bản phần mềm đã tạo bản sao lưu rồi nâng cấp. Chưa khôi phục gì.")
                used = tables_in_use(conn)
                if used and not replace:
                    raise BackupError(
                        f"Cơ sở dữ liệu đang có dữ liệu ({len(used)} bảng: {', '.join(used[:5])}"
                        f"{'…' if len(used) > 5 else ''}). Khôi phục sẽ XÓA TOÀN BỘ "
                        "dữ liệu này; chạy lại với --yes nếu chắc chắn. Chưa khôi phục gì.")
            summary = RestoreSummary(head, created_at=str(manifest.get("created_at", "")),
                                     dialect=str(manifest.get("dialect", "")))
            staging = _unpack_blobs(archive, manifest)
            old = None
            try:
                with conn.begin() as transaction:
                    _fill_tables(conn, archive, summary, batch_size)
                    old = _swap_blobs(staging)
                    try:
                        transaction.commit()
                    except BaseException:
                        _unswap_blobs(old)
                        old = None
                        raise
            except SQLAlchemyError as exc:
                raise BackupError(f"Không khôi phục được: cơ sở dữ liệu từ chối dữ liệu ({exc.__class__.__name__}: "
                                  f"{str(exc).splitlines()[0]}). Chưa khôi phục gì; cơ sở dữ liệu giữ nguyên.") from exc
            except (ValueError, TypeError) as exc:  # a value that does not fit its column's type
                raise BackupError(f"Không khôi phục được: tệp sao lưu có giá trị không hợp lệ ({exc}). Chưa khôi phục gì; "
                                  "cơ sở dữ liệu giữ nguyên.") from exc
            except OSError as exc:
                raise BackupError(f"Không khôi phục được thư mục tệp ({exc.strerror or exc}). Chưa khôi phục gì; "
                                  "cơ sở dữ liệu giữ nguyên.") from exc
            finally:
                shutil.rmtree(staging, ignore_errors=True)  # still there only when it was not swapped in
        summary.blobs = len(manifest["blobs"])
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return summary


def _fill_tables(conn: Connection, archive: zipfile.ZipFile, summary: RestoreSummary, batch_size: int) -> None:
    """Empty every table (children first), then insert every table's rows (parents first) in batches.

    A foreign key from a table to itself (a unit's parent, a certificate it replaces) is inserted
    as NULL and set in a second pass, so the rows' order inside the table does not matter.
    """
    tables = _tables()
    for table in reversed(tables):
        conn.execute(table.delete())
    for table in tables:
        member = _member(table)
        kinds = {c.name: _kind(c) for c in table.columns}
        later = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
        rows = 0
        for batch in _read_batches(archive, member, kinds, batch_size):
            if later:
                batch = [{**row, **{name: None for name in later}} for row in batch]
            conn.execute(table.insert(), batch)
            rows += len(batch)
        summary.tables[table.name] = rows
        if later:
            _set_self_references(conn, archive, table, member, kinds, later, batch_size)
    if conn.dialect.name == "postgresql":
        _reset_sequences(conn, tables)


def _read_batches(archive: zipfile.ZipFile, member: str, kinds: dict[str, str], batch_size: int):
    batch = []
    with archive.open(member) as lines:
        for line in lines:
            record = json.loads(line)
            batch.append({name: _decode(kinds[name], value) for name, value in record.items()})
            if len(batch) >= batch_size:
                yield batch
                batch = []
    if batch:
        yield batch


def _set_self_references(conn, archive, table: Table, member: str, kinds, columns: list[str], batch_size: int) -> None:
    keys = [c.name for c in table.primary_key.columns]
    for column in columns:
        statement = (table.update().where(*(table.c[k] == bindparam(f"_key_{k}") for k in keys))
                     .values({column: bindparam(f"_value_{column}")}))
        for batch in _read_batches(archive, member, kinds, batch_size):
            params = [{**{f"_key_{k}": row[k] for k in keys}, f"_value_{column}": row[column]}
                      for row in batch if row[column] is not None]
            if params:
                conn.execute(statement, params)


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL: set each serial/identity sequence so that the next id follows the restored ones."""
    preparer = conn.dialect.identifier_preparer
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        column = keys[0]
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence(%(table)s, %(column)s), "
            f"COALESCE(MAX({preparer.quote(column.name)}), 0) + 1, false) FROM {preparer.format_table(table)}",
            {"table": preparer.format_table(table), "column": column.name},
        )


def _unpack_blobs(archive: zipfile.ZipFile, manifest: dict) -> Path:
    """Unpack the backup's blobs beside the blob folder (same file system, so the swap is a rename)."""
    root = blob_folder()
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = root.parent / f".blobs-restore-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        for blob in manifest["blobs"]:
            target = staging / blob["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(f"blobs/{blob['path']}") as member, target.open("wb") as out:
                shutil.copyfileobj(member, out, _CHUNK)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(f"Không giải nén được các tệp của bản sao lưu ({exc.strerror or exc}). Chưa khôi phục gì.") from exc
    return staging


def _swap_blobs(staging: Path) -> Path | None:
    """Move the blob folder aside and the unpacked one into its place; return where the old one went."""
    root = blob_folder()
    old = None
    if root.exists() or root.is_symlink():
        old = root.parent / f".blobs-before-restore-{secrets.token_hex(4)}"
        os.replace(root, old)
    try:
        os.replace(staging, root)
    except OSError:
        if old is not None:
            os.replace(old, root)
        raise
    return old


def _unswap_blobs(old: Path | None) -> None:
    """Undo :func:`_swap_blobs` (the commit failed): the restored folder goes, the old one comes back."""
    root = blob_folder()
    if root.exists():
        discarded = root.parent / f".blobs-failed-restore-{secrets.token_hex(4)}"
        os.replace(root, discarded)
        shutil.rmtree(discarded, ignore_errors=True)
    if old is not None:
        os.replace(old, root)
