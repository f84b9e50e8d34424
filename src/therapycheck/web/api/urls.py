"""The API (django-ninja, OpenAPI at /api/v1/openapi.json) and FHIR R4B (/fhir/)."""

from __future__ import annotations

urlpatterns: list[object] = []
