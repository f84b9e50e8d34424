"""Django settings for the type checker's Django plugin (django-stubs), named in pyproject.toml.

The plugin imports the settings to learn the installed apps and models. Loaded as they are,
the production settings would create the user data directory and write a secret key there
on every `mypy` run. These are the same settings from a fixed environment that makes
loading them write nothing: a throwaway secret key, a PostgreSQL database that is never
connected to and a data directory that is never created.
"""

from __future__ import annotations

import os
import secrets
import tempfile

from therapycheck.config import ENV_VARS

for _name in ENV_VARS:
    os.environ.pop(_name, None)
os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
# Never connected to: loading the settings must not create a database file.
os.environ["DATABASE_URL"] = "postgres://typecheck@127.0.0.1:9/typecheck"
os.environ["THERAPYCHECK_DATA_DIR"] = os.path.join(
    tempfile.gettempdir(), "therapycheck-typecheck-never-created"
)

from therapycheck.web.settings import *  # noqa: E402, F403
