"""Django settings for therapycheck, built from the environment by `therapycheck.config`.

Personal mode (the default): one person, no login, bound to 127.0.0.1, an SQLite file in
the user data directory. Clinic mode: PostgreSQL via DATABASE_URL and explicit hosts and
secret. See docs/configuration.md for every variable.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from therapycheck.config import MEDIA_DIRNAME, ConfigError, load_config, secure_storage

WEB_DIR = Path(__file__).resolve().parent

try:
    CONFIG = load_config(os.environ)
    # Data folder 0700, database and its side files 0600, whatever the umask; wider
    # modes are repaired (and listed here), or start-up stops when they cannot be.
    THERAPYCHECK_REPAIRED_MODES = secure_storage(CONFIG)
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
    # Clinic mode. Installed in both modes so the database has one shape; in personal mode
    # nothing routes to them (see for_mode below) and their tables stay empty.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "therapycheck.web.clinic",
    "therapycheck.web.sharing",
    "therapycheck.web.audit",
    "therapycheck.web.measurerequests",
    "therapycheck.web.reviews",
    "therapycheck.web.api",
    "therapycheck.web.directory",
    "therapycheck.web.booking",
]

PERSONAL_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "therapycheck.web.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # allauth checks at start-up that its middleware is installed; with no allauth URLs
    # routed in personal mode it never acts.
    "allauth.account.middleware.AccountMiddleware",
]
CLINIC_MIDDLEWARE = [
    *PERSONAL_MIDDLEWARE,
    # Every page needs a signed-in user unless its view is marked login_not_required
    # (sign-in, the help and crisis page, a measure request's signed link, the API).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Clinicians, supervisors and admins must set up two-factor sign-in before anything else.
    "therapycheck.web.clinic.middleware.RequireStaffMFAMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into a clear page.
    "axes.middleware.AxesMiddleware",
]


def for_mode(mode: str) -> dict[str, object]:
    """The settings that differ between personal and clinic mode.

    Tests of clinic mode apply exactly these with override_settings, so they run the same
    configuration as a clinic server.
    """
    if mode == "clinic":
        return {
            "THERAPYCHECK_MODE": "clinic",
            "ROOT_URLCONF": "therapycheck.web.urls_clinic",
            "MIDDLEWARE": CLINIC_MIDDLEWARE,
        }
    return {
        "THERAPYCHECK_MODE": "personal",
        "ROOT_URLCONF": "therapycheck.web.urls",
        "MIDDLEWARE": PERSONAL_MIDDLEWARE,
    }


THERAPYCHECK_DEMO = CONFIG.demo
_mode_settings = for_mode(CONFIG.mode)
MIDDLEWARE: list[str] = list(_mode_settings["MIDDLEWARE"])  # type: ignore[call-overload]
ROOT_URLCONF = str(_mode_settings["ROOT_URLCONF"])

# django-axes warns when its middleware is missing: personal mode has no sign-in to guard.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a sign-in after too many failures (see AXES_* below).
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    # Object-level rules ("may this clinician see this client's measures?"):
    # therapycheck/web/clinic/rules.py.
    "rules.permissions.ObjectPermissionBackend",
]
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
                "therapycheck.web.clinic.context_processors.clinic",
            ],
        },
    }
]

DATABASES = {"default": CONFIG.database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if CONFIG.database["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            # waitress runs several threads, and two tabs can save at once: a writer waits
            # up to this many seconds for the lock instead of failing at once...
            "timeout": 30,
            # ...and takes the write lock when its transaction starts, so a transaction
            # that read first never fails when it comes to write ("database is locked").
            "transaction_mode": "IMMEDIATE",
            # Readers never block the writer (write-ahead log); deleted content is
            # overwritten, so a deleted journal entry does not linger in free pages.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA secure_delete=ON;",
        }
    )

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [WEB_DIR / "static"]
STATIC_ROOT = CONFIG.data_dir / "static"
# Uploaded files (specialists' photos), inside the data folder. Never served as a folder:
# the directory app serves a photo only for a listed profile (/specialists/<id>/photo/).
MEDIA_ROOT = CONFIG.data_dir / MEDIA_DIRNAME
MEDIA_URL = "/media/"
# Owner-only, whatever the umask (the data folder's own rule; config.secure_storage repairs
# older uploads at start-up).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Security headers. The Content-Security-Policy itself is set by web.middleware.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "therapycheck.web.pages.views.csrf_failure"
if CONFIG.mode == "clinic" and CONFIG.secure_cookies:
    # A clinic server sits behind an HTTPS reverse proxy; cookies must never go in clear.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# ----------------------------------------------------------------------------- clinic mode
# Accounts (django-allauth): sign in by email, the address verified before first use;
# two-factor sign-in by an authenticator app (TOTP) with recovery codes, required for
# clinicians, supervisors and admins by clinic.middleware.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "clinic:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming the address in the browser that signed up finishes that sign-in and goes on
# to where it was headed (an invited client back to their invitation). allauth does this
# only for the session that signed up; a link opened elsewhere still asks to sign in.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "therapycheck: "
# Sign-up only with an invitation (or in a demo clinic); mail through Django's backend.
ACCOUNT_ADAPTER = "therapycheck.web.clinic.adapter.ClinicAccountAdapter"
# allauth's own rate limits stay on as well (per IP, in the cache), beside django-axes.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "therapycheck"
# django-axes: 5 failed sign-ins for one account from one address lock it for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "clinic/locked_out.html"
AXES_VERBOSE = False
# allauth passes the address as `email`, not as the form's `login` field: without this,
# django-axes would count every failure against one nameless account and lock out everyone
# signing in from that address.
AXES_USERNAME_CALLABLE = "therapycheck.web.clinic.adapter.axes_username"

# Email: console, a folder of files (the demo), or SMTP (EMAIL_URL, docs/configuration.md).
for _name, _value in (CONFIG.email or {}).items():
    globals()[_name] = _value
DEFAULT_FROM_EMAIL = CONFIG.default_from_email
SERVER_EMAIL = CONFIG.default_from_email

# Scheduled work (measure requests, reminders) runs on django-tasks with its database
# backend: `therapycheck worker` (started by `therapycheck serve` in clinic mode) runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# A form post (not a file) may be this large. Far above the largest valid form (a journal
# entry at its length limits), so an over-long entry reaches the form, which says so and
# keeps the text on screen instead of a bare "Bad Request". Uploads are streamed to a
# temporary file above FILE_UPLOAD_MAX_MEMORY_SIZE and capped by the import form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 32 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
