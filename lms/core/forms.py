"""The base form: CSRF (Flask-WTF), whitespace stripped and text normalised to NFC."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from lms.core.text import nfc


def _normalise(value):
    return nfc(value) if isinstance(value, str) else value


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters", []))
            if unbound_field.field_class.__name__ in {"StringField", "SearchField", "EmailField"}:
                filters.append(_normalise)
            return unbound_field.bind(form=form, filters=filters, **options)


class ActionForm(BaseForm):
    """An empty form for one-button actions: it only carries the CSRF token."""


def choices(pairs) -> list[SelectChoice]:
    """Select-box options from (value, label) pairs (WTForms 3.3 wants SelectChoice objects)."""
    return [SelectChoice(value, label) for value, label in pairs]
