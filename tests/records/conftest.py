"""Helpers for the records tests: entries of every kind, certificates, evidence files."""
from __future__ import annotations

import datetime as dt
import itertools
import secrets

import pytest

from lms.core.db import db
from tests.orgs.conftest import vietnam_evening  # noqa: F401 (the frozen clock of the date tests)

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
_numbers = itertools.count(1)


class RecordMaker:
    """Entries as their writers make them: the certificates area (online), classes, external training."""

    def __init__(self, province):
        self.province = province

    def certificate(self, cadre, title: str, issued_on: dt.date = dt.date(2024, 5, 10)):
        from lms.certificates.models import Certificate
        from lms.courses import storage

        number = next(_numbers)
        certificate = Certificate(
            cadre_id=cadre.id, issuer_unit_id=self.province["fed"].id, year=issued_on.year, number=number,
            serial=f"{number}/GCN-LĐLĐ-{issued_on.year}", verify_code=secrets.token_hex(8), full_name=cadre.full_name,
            gender=cadre.gender, unit_name=cadre.unit.name if cadre.unit else "", title=title, issued_on=issued_on,
            pdf_blob_id=storage.store(PDF + secrets.token_bytes(4)).id,
        )
        db.session.add(certificate)
        db.session.flush()
        return certificate

    def online(self, cadre, title="Kỹ năng thương lượng tập thể", end_on=dt.date(2024, 5, 10), hours=8,
               certificate=True, **extra):
        from lms.records.models import RecordEntry

        entry = RecordEntry(cadre_id=cadre.id, kind="online", title=title, provider="Nền tảng học tập",
                            start_on=end_on - dt.timedelta(days=10), end_on=end_on, hours=hours, result="Đạt", **extra)
        if certificate:
            entry.certificate_id = self.certificate(cadre, title, end_on).id
        db.session.add(entry)
        db.session.flush()
        return entry

    def training_class(self, attendees, *, title="Tập huấn Điều lệ Công đoàn Việt Nam", unit=None,
                       start_on=dt.date(2023, 9, 12), end_on=dt.date(2023, 9, 13), hours=16, user=None,
                       result="Đạt"):
        """A class with its attendees; a past class by default, so with their ``result`` entered."""
        from lms.records import operations

        training_class = operations.create_class(operations.ClassData(
            title, unit or self.province["fed"], start_on, end_on, hours, topic="Điều lệ Công đoàn Việt Nam",
            place="Hội trường LĐLĐ tỉnh", trainer_name="Lê Thị Thu Hà"), user or self.province["users"]["trainer"])
        if attendees:
            operations.add_attendees(training_class, [c.id for c in attendees], result=result)
        return training_class

    def external(self, cadre, study_kind="political_advanced", title="Cao cấp lý luận chính trị hệ không tập trung",
                 end_on=dt.date(2022, 12, 20), hours=0, evidence=PDF, filename="bang-cao-cap.pdf"):
        from lms.records import operations

        return operations.add_external(cadre, operations.ExternalData(
            study_kind, title, end_on, provider="Học viện Chính trị khu vực I", start_on=end_on - dt.timedelta(days=600),
            hours=hours, result="Khá"), operations.Evidence(evidence, filename) if evidence else None)


@pytest.fixture()
def records(province):
    return RecordMaker(province)


@pytest.fixture()
def certificate_settings(province):
    """Certificate settings complete enough to issue (a signer, a public address)."""
    from lms.core.settings import save_settings

    save_settings({"signer_name": "Đặng Hữu Phước", "public_base_url": "https://hoctap.congdoan.example.vn"})
    return province
