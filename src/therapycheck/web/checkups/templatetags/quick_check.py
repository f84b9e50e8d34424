"""`{% quick_check_form %}`: the quick check's form, for the home page (issue 14)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("checkups/_quick_form.html", takes_context=True)
def quick_check_form(context: template.Context) -> dict[str, Any]:
    from therapycheck.web.accounts.current import current_person
    from therapycheck.web.checkups.views import quick_form_context

    request = context["request"]
    fields = quick_form_context(request, current_person(request))
    # The site-wide country prompt at the top of the page asks already: not twice.
    if context.get("ask_country") and not context.get("country_prompt_in_page"):
        fields["quick_country"] = False
    return {
        **fields,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "heading": "h3",
    }
