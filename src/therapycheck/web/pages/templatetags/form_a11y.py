"""Tie a field's error messages to its control, so screen readers announce them.

WCAG 2.2 SC 1.3.1 and 3.3.1: an error must be identified in text and be
programmatically linked to the control it is about, not only placed nearby.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField, BoundWidget
from django.utils.safestring import SafeString, mark_safe

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


CHOICE_GROUPS = ("radioselect", "checkboxselectmultiple")


@register.filter
def is_choice_group(field: BoundField) -> bool:
    """Radios or checkboxes: shown as a fieldset with a legend, one label per option."""
    return field.widget_type in CHOICE_GROUPS


@register.filter
def choice_kind(option: BoundWidget) -> str:
    """Either "radios" or "checkboxes": the GOV.UK component an option's control belongs to."""
    return "checkboxes" if option.data.get("type") == "checkbox" else "radios"


@register.filter
def choice_input(option: BoundWidget) -> SafeString:
    """One radio or checkbox of a group, with GOV.UK Frontend's class for its kind, so it
    gets the 40 px target (WCAG 2.2 target size); every other attribute as Django renders."""
    own = str(option.data["attrs"].get("class", ""))
    attrs = {**option.data["attrs"], "class": f"{own} govuk-{choice_kind(option)}__input".strip()}
    context = {"widget": {**option.data, "attrs": attrs, "wrap_label": False}}
    # Safe as Django's own: the widget template escapes every value, as in BoundWidget.tag.
    return mark_safe(option.renderer.render(option.template_name, context))


def error_target(field: BoundField) -> str:
    """The id a link to this field should move to: the control itself, or for a group of
    radios or checkboxes its first option (GOV.UK error summary pattern)."""
    if field.widget_type in CHOICE_GROUPS:
        return f"{field.auto_id}_0"
    return field.id_for_label or field.auto_id


def _forms(groups: Iterable[Any]) -> list[forms.Form]:
    found: list[forms.Form] = []
    for group in groups:
        if isinstance(group, forms.BaseForm):
            if not any(group is seen for seen in found):
                found.append(group)  # type: ignore[arg-type]
        elif isinstance(group, list | tuple):
            found.extend(_forms(group))
    return found


@register.simple_tag
def error_links(*groups: Any) -> list[dict[str, str]]:
    """Every error of the given forms (or lists of forms), in page order, each with the
    id of what it is about. A form may name its questions with `error_label(name)` and its
    own errors' place with `error_anchor`; an error with no place has an empty href."""
    links: list[dict[str, str]] = []
    for form in _forms(groups):
        anchor = str(getattr(form, "error_anchor", ""))
        for error in form.non_field_errors():
            links.append({"href": f"#{anchor}" if anchor else "", "text": str(error)})
        label_for = getattr(form, "error_label", None)
        for field in form:
            label = label_for(field.name) if callable(label_for) else str(field.label)
            for error in field.errors:
                links.append({"href": f"#{error_target(field)}", "text": f"{label}: {error}"})
    return links
