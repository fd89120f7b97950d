"""Each cadre's training record (hồ sơ đào tạo): online courses, in-person classes, external training.

Importing the package declares :class:`~lms.records.exporters.RecordExporter` as the base class of
the ``lms.record_exporters`` entry-point group, so the plugin registry checks every exporter
against it when the app starts. The built-in exporters (csv, xlsx, pdf) import their libraries
only when they run.
"""
from __future__ import annotations

from lms.records import exporters  # noqa: F401  (registers the plugin base class)
