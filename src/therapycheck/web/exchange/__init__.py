"""Your data: export (FHIR R4B, CSV), import and delete-everything pages at /data/."""
