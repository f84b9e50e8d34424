"""The API tests sign nobody in with a password, so the personas' passwords are hashed
with a fast hasher: the production one takes most of a second per persona, on purpose."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
