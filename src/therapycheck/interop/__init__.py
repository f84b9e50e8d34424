"""Data exchange: FHIR R4B Bundle and CSV export/import of one person's records.

Pure of Django: it works on the plain records of `interop.records`; the web app converts
its models to and from them.
"""

from therapycheck.interop.csv_io import CsvImportError, export_csv, import_measurements_csv
from therapycheck.interop.fhir import export_bundle, import_bundle
from therapycheck.interop.records import (
    CheckupRecord,
    ExchangeError,
    ExchangeRecords,
    JournalRecord,
    MeasurementRecord,
    PersonRecord,
)

__all__ = [
    "CheckupRecord",
    "CsvImportError",
    "ExchangeError",
    "ExchangeRecords",
    "JournalRecord",
    "MeasurementRecord",
    "PersonRecord",
    "export_bundle",
    "export_csv",
    "import_bundle",
    "import_measurements_csv",
]
