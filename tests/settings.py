"""Django settings for the test run: the production settings with a throwaway data dir.

pytest-django imports the settings module named in pyproject.toml before any conftest is
loaded, so this module is where the tests keep away from the real user data directory: an
unset THERAPYCHECK_DATA_DIR becomes a temporary directory, removed when the process that
made it exits. It is set in the environment, so xdist workers and subprocesses use the same
directory. Production settings know nothing about tests.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

if not os.environ.get("THERAPYCHECK_DATA_DIR"):
    _data_dir = tempfile.mkdtemp(prefix="therapycheck-test-")
    os.environ["THERAPYCHECK_DATA_DIR"] = _data_dir
    atexit.register(shutil.rmtree, _data_dir, ignore_errors=True)

from therapycheck.web.settings import *  # noqa: F403

# Clinic-mode tests create many accounts; the production hasher (PBKDF2, deliberately slow)
# would take about a second per account. Passwords in tests protect nothing.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
