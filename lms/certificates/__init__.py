"""Certificates (giấy chứng nhận): template plugins and PDF rendering.

Importing the package declares :class:`~lms.certificates.templates_base.CertificateTemplate` as the
base class of the ``lms.certificate_templates`` entry-point group, so the plugin registry checks
every template against it. WeasyPrint is imported only by :mod:`lms.certificates.rendering`.
"""
from __future__ import annotations

from lms.certificates import templates_base  # noqa: F401  (registers the plugin base class)
