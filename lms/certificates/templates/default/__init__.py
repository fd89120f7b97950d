"""The built-in certificate: Decision 933/QĐ-TLĐ and Decree 30/2020/NĐ-CP layout on A4 landscape."""
from __future__ import annotations

from pathlib import Path

from lms.certificates.templates_base import CertificateTemplate


class DefaultTemplate(CertificateTemplate):
    """Giấy chứng nhận hoàn thành khóa bồi dưỡng, in Liberation Serif (bundled, SIL OFL 1.1)."""

    name = "default"
    folder = Path(__file__).resolve().parent
