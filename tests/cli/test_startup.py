"""The CLI starts without loading the heavy table libraries every command would pay for."""

import subprocess
import sys


def test_importing_the_cli_loads_neither_polars_nor_duckdb_nor_pandas():
    code = (
        "import sys, therapycheck.cli; "
        "print(sorted(m for m in ('polars', 'duckdb', 'pandas') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
