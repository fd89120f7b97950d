"""Errors that operations raise and views map back onto forms."""
from __future__ import annotations

import zipfile
import zlib

#: What reading an entry of a damaged or unusual ZIP archive (a course package, an XLSX file) raises:
#: a broken archive (``BadZipFile``), a corrupt deflate stream (``zlib.error``), a truncated entry
#: (``EOFError``), a compression method Python does not read, such as Deflate64 (``NotImplementedError``),
#: an encrypted entry (``RuntimeError``, no password), a bad header field (``ValueError``) and I/O
#: (``OSError``). Callers report the file as damaged instead of failing with an HTTP 500.
DAMAGED_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError,
                      OSError)


class ValidationError(Exception):
    """Invalid input for an operation: ``errors`` maps field names (or "") to messages."""

    def __init__(self, errors: dict[str, str] | str):
        if isinstance(errors, str):
            errors = {"": errors}
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in errors.items()))

    def apply_to(self, form) -> None:
        """Put the messages on the form's fields; messages without a field go to ``form.form_errors``."""
        for name, message in self.errors.items():
            field = getattr(form, name, None) if name else None
            if field is not None and hasattr(field, "errors"):
                field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
            else:
                form.form_errors.append(message)
