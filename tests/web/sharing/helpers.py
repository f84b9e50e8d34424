"""Small helpers for the sharing tests: the invitation link in an email, a sent invitation."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail
from django.test import Client

from tests.web.clinic_personas import sign_in

ACCEPT_LINK = re.compile(r"https?://testserver(/sharing/accept/[^\s]+/)")


def link_in_last_email() -> str:
    match = ACCEPT_LINK.search(mail.outbox[-1].body)
    assert match is not None, mail.outbox[-1].body
    return match.group(1)


def invite(client: Client, clinician: Any, email: str) -> str:
    """`clinician` invites `email`; the path of the link in the email (signed out again)."""
    response = sign_in(client, clinician).post("/sharing/invitations/", {"email": email})
    assert response.status_code == 302, response.content
    client.logout()
    return link_in_last_email()


def checked(html: str | bytes) -> set[tuple[str, str]]:
    """(name, value) of every ticked checkbox or radio on a page."""
    text = html.decode() if isinstance(html, bytes) else html
    found = set()
    for tag in re.findall(r"<input\b[^>]*>", text):
        if re.search(r"\schecked\b", tag):
            name = re.search(r'\sname="([^"]*)"', tag)
            value = re.search(r'\svalue="([^"]*)"', tag)
            found.add((name.group(1) if name else "", value.group(1) if value else "on"))
    return found
