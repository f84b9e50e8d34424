"""Start-up check: profile photos need a MEDIA_ROOT (inside the data folder), or Django
would write them relative to whatever folder the server was started in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.files)
def media_root_is_set(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    # Personal mode routes nothing to the directory, so nothing is ever uploaded there.
    if settings.THERAPYCHECK_MODE != "clinic":
        return []
    if not str(getattr(settings, "MEDIA_ROOT", "") or ""):
        return [
            checks.Warning(
                "MEDIA_ROOT is not set: specialists' photos would be saved in the current folder.",
                hint='Set MEDIA_ROOT = CONFIG.data_dir / "media" in therapycheck/web/settings.py.',
                id="directory.W001",
            )
        ]
    return []
