"""Directory fixtures: a published profile for the personas' clinicians, photos in a
throwaway MEDIA_ROOT."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from PIL import Image


@pytest.fixture(autouse=True)
def media_root(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "media"
    with override_settings(MEDIA_ROOT=str(root), MEDIA_URL="/media/"):
        yield root


@pytest.fixture
def make_profile() -> Callable[..., Any]:
    from therapycheck.web.directory.models import SpecialistProfile

    def make(user: Any, **fields: Any) -> SpecialistProfile:
        values: dict[str, Any] = {
            "profession": "Counsellor",
            "format": "online",
            "published": True,
            "fee_per_session": Decimal("60"),
            "languages": ["en"],
            "approaches": ["cbt"],
            "concerns": ["anxiety"],
            "populations": ["adults"],
            "statement": "I help adults with worry.",
        }
        values.update(fields)
        return SpecialistProfile.objects.create(membership=user.membership, **values)

    return make


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (800, 600), **save: Any) -> bytes:
    mode = "RGBA" if fmt == "PNG" and save.pop("alpha", False) else "RGB"
    out = io.BytesIO()
    Image.new(mode, size, (200, 120, 40)).save(out, format=fmt, **save)
    return out.getvalue()
