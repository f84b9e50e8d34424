"""Django settings for therapycheck, built from the environment by `therapycheck.config`.

Personal mode (the default): one person, no login, bound to 127.0.0.1, an SQLite file in
the user data directory. Clinic mode: PostgreSQL via DATABASE_URL and explicit hosts and
secret. See docs/configuration.md for every variable.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from therapycheck.config import ConfigError, load_config

WEB_DIR = Path(__file__).resolve().parent

try:
    CONFIG = load_config(os.environ)
except ConfigError as exc:
    raise ImproperlyConfigured(f"therapycheck configuration: {exc}") from None

THERAPYCHECK_MODE = CONFIG.mode
THERAPYCHECK_DATA_DIR = CONFIG.data_dir
THERAPYCHECK_COUNTRY = CONFIG.country
# Expected-response models (core.trajectory), one per instrument: models/<instrument>.json.
THERAPYCHECK_MODELS_DIR = CONFIG.data_dir / "models"

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
CSRF_TRUSTED_ORIGINS = list(CONFIG.csrf_trusted_origins)

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "therapycheck.web.accounts",
    "therapycheck.web.tracking",
    "therapycheck.web.pages",
    "therapycheck.web.checkups",
    "therapycheck.web.reports",
    "therapycheck.web.exchange",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "therapycheck.web.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "therapycheck.web.urls"
WSGI_APPLICATION = "therapycheck.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [WEB_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "therapycheck.web.accounts.context_processors.person_and_safety",
            ],
        },
    }
]

DATABASES = {"default": CONFIG.database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if CONFIG.database["ENGINE"].endswith("sqlite3") and not CONFIG.database["NAME"].startswith(":"):
    # The SQLite file lives in the data dir; create the folder so the first start works.
    Path(CONFIG.database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})
    # waitress runs several threads: wait for a lock instead of failing at once.
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [WEB_DIR / "static"]
STATIC_ROOT = CONFIG.data_dir / "static"

# Security headers. The Content-Security-Policy itself is set by web.middleware.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "therapycheck.web.pages.views.csrf_failure"
if CONFIG.mode == "clinic" and not CONFIG.debug:
    # A clinic server sits behind an HTTPS reverse proxy; cookies must never go in clear.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
