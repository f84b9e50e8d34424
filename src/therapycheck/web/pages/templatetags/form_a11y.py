"""Tie a field's error messages to its control, so screen readers announce them.

WCAG 2.2 SC 1.3.1 and 3.3.1: an error must be identified in text and be
programmatically linked to the control it is about, not only placed nearby.
"""

from __future__ import annotations

from django import template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def error_id(field: BoundField) -> str:
    return f"{field.auto_id}_error"


@register.filter
def with_error_refs(field: BoundField) -> SafeString:
    """Render the widget with aria-invalid and aria-describedby naming help and errors."""
    if not field.errors:
        return field.as_widget()
    described = [f"{field.auto_id}_error"]
    if field.help_text:
        described.insert(0, f"{field.auto_id}_helptext")
    attrs: dict[str, str | bool] = {
        "aria-invalid": "true",
        "aria-describedby": " ".join(described),
    }
    return field.as_widget(attrs=attrs)
