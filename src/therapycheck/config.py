"""Strict parsing of the environment into the configuration shared by the web app and the CLI.

Every setting comes from one environment variable listed in `ENV_VARS` (and documented in
docs/configuration.md). A bad value raises `ConfigError` with a message that names the
variable and what would be accepted, so start-up stops with a clear reason instead of
running half-configured. Nothing here imports Django: the CLI can check a configuration
before Django starts.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import dj_database_url
import platformdirs

from therapycheck.core import safety as core_safety

Mode = Literal["personal", "clinic"]

# Every variable this module reads. docs/configuration.md must describe each one
# (tests/test_config.py checks it).
ENV_VARS: tuple[str, ...] = (
    "THERAPYCHECK_MODE",
    "THERAPYCHECK_DATA_DIR",
    "DATABASE_URL",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "THERAPYCHECK_COUNTRY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DEBUG",
    "THERAPYCHECK_DEMO",
    "SECURE_COOKIES",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
)

LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]", "::1")
SECRET_KEY_FILENAME = "secret_key"
DATABASE_FILENAME = "therapycheck.sqlite3"
# Uploaded files (specialists' photos) live in this folder of the data folder; the web
# settings point MEDIA_ROOT here and store uploads owner-only (FILE_UPLOAD_PERMISSIONS).
MEDIA_DIRNAME = "media"
# What `therapycheck checkup` keeps in the data dir: the answers of an unfinished check-up
# and each finished one's answers. Delete-all removes them with the database rows.
CHECKUP_RESUME_FILENAME = "checkup-in-progress.json"
CHECKUP_FILE_PATTERNS: tuple[str, ...] = ("checkup-in-progress.json*", "checkup-*.json")
# Private by construction: only the person's own user account may read the data.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# Files SQLite keeps next to a database while it is open (write-ahead log, shared memory,
# rollback journal); they hold the same data and get the same protection.
SQLITE_SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
# "INT" is core.safety's international fallback: the emergency number and a helpline
# directory, better than another country's lines until the person picks theirs.
DEFAULT_COUNTRY = core_safety.DEFAULT_COUNTRY
# Only the database engines the project installs a driver for and tests against.
_SUPPORTED_SCHEMES = ("sqlite", "postgres", "postgresql", "pgsql")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")
_MIN_SECRET_LENGTH = 32


class ConfigError(ValueError):
    """A setting is missing or has a value we do not accept."""


@dataclass(frozen=True)
class Config:
    mode: Mode
    data_dir: Path
    database: dict[str, Any]
    secret_key: str
    country: str
    allowed_hosts: tuple[str, ...]
    csrf_trusted_origins: tuple[str, ...]
    debug: bool
    # Clinic mode only. A demo clinic: fictional people, this computer only, email to files.
    demo: bool = False
    # Session and CSRF cookies only over HTTPS. Always on for a clinic server; only a clinic
    # tried out on this computer (loopback hosts) may turn it off.
    secure_cookies: bool = True
    # Where email goes: {"backend": ..., plus Django EMAIL_* settings}; see parse_email_url.
    email: dict[str, Any] | None = None
    default_from_email: str = "therapycheck <noreply@localhost>"

    @property
    def personal(self) -> bool:
        return self.mode == "personal"


def load_config(env: Mapping[str, str] | None = None, *, create_files: bool = True) -> Config:
    """Read and check every setting. `create_files=False` never writes to disk."""
    env = os.environ if env is None else env
    mode = parse_mode(env.get("THERAPYCHECK_MODE"))
    demo = parse_bool("THERAPYCHECK_DEMO", env.get("THERAPYCHECK_DEMO"))
    if demo and mode != "clinic":
        raise ConfigError(
            "THERAPYCHECK_DEMO is a clinic-mode setting: set THERAPYCHECK_MODE=clinic"
        )
    data_dir = parse_data_dir(env.get("THERAPYCHECK_DATA_DIR"))
    config = Config(
        mode=mode,
        data_dir=data_dir,
        database=parse_database_url(env.get("DATABASE_URL"), data_dir),
        secret_key=load_secret_key(env, mode, data_dir, create_files=create_files, demo=demo),
        country=parse_country(env.get("THERAPYCHECK_COUNTRY")),
        allowed_hosts=parse_allowed_hosts(env.get("ALLOWED_HOSTS"), mode, demo=demo),
        csrf_trusted_origins=parse_origins(env.get("CSRF_TRUSTED_ORIGINS")),
        debug=parse_bool("DEBUG", env.get("DEBUG")),
        demo=demo,
        secure_cookies=parse_bool(
            "SECURE_COOKIES", env.get("SECURE_COOKIES") or ("false" if demo else "true")
        ),
        email=parse_email_url(env.get("EMAIL_URL"), mode, data_dir, demo=demo),
        default_from_email=(env.get("DEFAULT_FROM_EMAIL") or "").strip()
        or "therapycheck <noreply@localhost>",
    )
    if mode == "clinic":
        refuse_unsafe_clinic(config)
    return config


def refuse_unsafe_clinic(config: Config) -> None:
    """Stop a clinic server that would expose people's records; each message says the fix.

    A missing secret key or host list is refused where they are read; here the settings
    that are each fine alone but unsafe on a server other people reach.
    """
    if config.debug:
        # DEBUG pages show settings, SQL and stack frames with health data in them.
        raise ConfigError(
            "clinic mode refuses DEBUG=on: error pages would show people's records; "
            "unset DEBUG (use personal mode to develop)"
        )
    local_only = all(is_loopback(host) for host in config.allowed_hosts)
    https = any(origin.startswith("https://") for origin in config.csrf_trusted_origins)
    if not config.secure_cookies and (https or not local_only):
        raise ConfigError(
            "clinic mode refuses SECURE_COOKIES=off on a server other computers reach: "
            "sign-in cookies would travel unencrypted; serve it behind HTTPS and leave "
            "SECURE_COOKIES on (off is only for a clinic tried out on this computer)"
        )


def parse_mode(raw: str | None) -> Mode:
    value = (raw or "personal").strip().lower()
    if value == "personal":
        return "personal"
    if value == "clinic":
        return "clinic"
    raise ConfigError(f"THERAPYCHECK_MODE must be 'personal' or 'clinic', not {raw!r}")


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("therapycheck", appauthor=False))


def parse_data_dir(raw: str | None) -> Path:
    if raw is None or not raw.strip():
        return default_data_dir()
    path = Path(raw.strip()).expanduser()
    if not path.is_absolute():
        raise ConfigError(f"THERAPYCHECK_DATA_DIR must be an absolute path, not {raw!r}")
    if path.exists() and not path.is_dir():
        raise ConfigError(f"THERAPYCHECK_DATA_DIR {raw!r} exists but is not a directory")
    return path


def parse_database_url(raw: str | None, data_dir: Path) -> dict[str, Any]:
    if raw is None or not raw.strip():
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(data_dir / DATABASE_FILENAME),
        }
    url = raw.strip()
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in _SUPPORTED_SCHEMES:
        raise ConfigError(
            "DATABASE_URL must start with sqlite:// or postgres:// "
            f"(for example postgres://user:password@host:5432/therapycheck), not {url[:40]!r}"
        )
    try:
        parsed: dict[str, Any] = dict(dj_database_url.parse(url))
    except ValueError as exc:
        raise ConfigError(f"DATABASE_URL could not be read: {exc}") from None
    if not parsed.get("NAME"):
        raise ConfigError("DATABASE_URL must name a database (…/therapycheck at the end)")
    if scheme == "sqlite" and not Path(str(parsed["NAME"])).is_absolute():
        # sqlite:// alone is an in-memory database: empty, and gone with each connection.
        raise ConfigError(
            "DATABASE_URL for SQLite must name a file by its absolute path, "
            f"like sqlite:////home/me/therapycheck.sqlite3, not {url[:40]!r}"
        )
    return parsed


def load_secret_key(
    env: Mapping[str, str],
    mode: Mode,
    data_dir: Path,
    *,
    create_files: bool = True,
    demo: bool = False,
) -> str:
    direct = env.get("SECRET_KEY")
    file_name = env.get("SECRET_KEY_FILE")
    if direct and file_name:
        raise ConfigError("set SECRET_KEY or SECRET_KEY_FILE, not both")
    if direct:
        return _checked_secret(direct.strip(), "SECRET_KEY")
    if file_name:
        return _read_secret_file(Path(file_name).expanduser(), "SECRET_KEY_FILE")
    if mode == "clinic" and not demo:
        # A shared server must not invent a key per worker: sessions would break and
        # a key written next to the data is easier to leak.
        raise ConfigError("clinic mode needs SECRET_KEY or SECRET_KEY_FILE")
    stored = data_dir / SECRET_KEY_FILENAME
    if stored.exists():
        return _read_secret_file(stored, "the stored secret key file")
    if not create_files:
        return secrets.token_urlsafe(50)
    return _create_secret_file(stored)


def _checked_secret(value: str, name: str) -> str:
    if len(value) < _MIN_SECRET_LENGTH:
        raise ConfigError(f"{name} must be at least {_MIN_SECRET_LENGTH} characters long")
    return value


def _read_secret_file(path: Path, name: str) -> str:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{name} {str(path)!r} could not be read: {exc.strerror}") from None
    return _checked_secret(value, f"{name} {str(path)!r}")


def _create_secret_file(path: Path) -> str:
    key = secrets.token_urlsafe(50)
    try:
        private_dir(path.parent)
        # O_EXCL: two processes starting at once must not overwrite each other's key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret_file(path, "the stored secret key file")
    except OSError as exc:
        raise ConfigError(f"could not write the secret key to {str(path)!r}: {exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def parse_country(raw: str | None) -> str:
    try:
        value = core_safety.parse_country(raw) or DEFAULT_COUNTRY
    except ValueError:
        raise ConfigError(
            "THERAPYCHECK_COUNTRY must be a two-letter country code such as US or GB "
            f"(or INT for international), not {raw!r}"
        ) from None
    known = {code.upper() for code, _name in core_safety.countries()}
    if value not in known:
        raise ConfigError(
            f"THERAPYCHECK_COUNTRY {value!r} has no crisis resources yet; "
            f"choose one of {', '.join(sorted(known))}"
        )
    return value


def is_loopback(host: str) -> bool:
    """True for a name or address of this computer only (localhost, 127.x.x.x, ::1)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def parse_allowed_hosts(raw: str | None, mode: Mode, *, demo: bool = False) -> tuple[str, ...]:
    if raw is None or not raw.strip():
        if mode == "clinic" and not demo:
            raise ConfigError("clinic mode needs ALLOWED_HOSTS (comma-separated host names)")
        return LOOPBACK_HOSTS
    hosts = tuple(part.strip() for part in raw.split(",") if part.strip())
    for host in hosts:
        if not re.fullmatch(r"\.?[A-Za-z0-9.\-:\[\]*]+", host):
            raise ConfigError(f"ALLOWED_HOSTS has an invalid host name: {host!r}")
        if demo and not is_loopback(host):
            # A demo clinic has published passwords and authenticator secrets (docs/clinic.md):
            # anyone who could reach it could sign in as its staff.
            raise ConfigError(
                "a demo clinic (THERAPYCHECK_DEMO) only serves this computer, because its "
                "passwords are published: ALLOWED_HOSTS may only name localhost, 127.0.0.1 "
                f"or [::1], not {host!r}"
            )
        if mode == "personal" and not is_loopback(host):
            # No login in personal mode: any other name lets a web page that resolves its
            # own name to 127.0.0.1 (DNS rebinding) read the person's data.
            raise ConfigError(
                "personal mode has no login, so ALLOWED_HOSTS may only name this computer "
                f"(localhost, 127.0.0.1, [::1]), not {host!r}; use THERAPYCHECK_MODE=clinic "
                "to serve other names"
            )
    return hosts


def parse_origins(raw: str | None) -> tuple[str, ...]:
    if raw is None or not raw.strip():
        return ()
    origins = tuple(part.strip() for part in raw.split(",") if part.strip())
    for origin in origins:
        if not re.fullmatch(r"https?://[A-Za-z0-9.\-:*\[\]]+", origin):
            raise ConfigError(
                f"CSRF_TRUSTED_ORIGINS entries look like https://example.org, not {origin!r}"
            )
    return origins


_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
OUTBOX_DIRNAME = "outbox"


def parse_email_url(
    raw: str | None, mode: Mode, data_dir: Path, *, demo: bool = False
) -> dict[str, Any]:
    """EMAIL_URL: `console`, `file` (emails as files in <data dir>/outbox) or
    `smtp://user:password@host:587` (`smtps://` for TLS on connect, `?starttls=1` for STARTTLS).

    Default: the outbox folder in a demo clinic (so the demo's emails can be read), the
    console otherwise (personal mode sends no email; a clinic sets EMAIL_URL to send any).
    """
    from urllib.parse import parse_qs, unquote, urlsplit

    value = (raw or "").strip()
    if not value:
        value = "file" if demo else "console"
    if value == "console":
        return {"EMAIL_BACKEND": _EMAIL_BACKENDS["console"]}
    if value == "file":
        return {
            "EMAIL_BACKEND": _EMAIL_BACKENDS["file"],
            "EMAIL_FILE_PATH": str(data_dir / OUTBOX_DIRNAME),
        }
    parts = urlsplit(value)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError(
            "EMAIL_URL must be console, file, or smtp://user:password@host:587 "
            f"(smtps:// for TLS), not {value[:40]!r}"
        )
    query = parse_qs(parts.query)
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
    except ValueError:
        raise ConfigError(f"EMAIL_URL has a bad port: {value[:40]!r}") from None
    return {
        "EMAIL_BACKEND": _EMAIL_BACKENDS["smtp"],
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": parts.scheme == "smtp" and query.get("starttls", ["0"])[0] in _TRUE,
        "EMAIL_TIMEOUT": 20,
    }


def parse_bool(name: str, raw: str | None) -> bool:
    value = (raw or "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be one of 1/0, true/false, yes/no, on/off, not {raw!r}")


# --------------------------------------------------------------------------- private files


def private_dir(path: Path) -> bool:
    """Make `path` a folder only its owner can open (0700), whatever the umask.

    Creates it (and missing parents) if needed. A folder of ours that is open to others is
    tightened; one that belongs to another user stops start-up. True when a mode changed.
    """
    try:
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"could not create the data folder {str(path)!r}: {exc}") from None
    return _tighten(path, PRIVATE_DIR_MODE)


def private_file(path: Path, *, create: bool = False) -> bool:
    """Make `path` a file only its owner can read and write (0600), whatever the umask.

    `create` makes an empty file first when there is none (SQLite starts a new database
    in an empty file, and then gives its side files the same mode). True when a mode
    changed; nothing happens to a file that does not exist and is not to be created.
    """
    if create:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
        except OSError as exc:
            raise ConfigError(f"could not create {str(path)!r}: {exc.strerror}") from None
    if not path.exists():
        return False
    return _tighten(path, PRIVATE_FILE_MODE)


def _tighten(path: Path, private: int) -> bool:
    info = path.stat()
    mode = stat.S_IMODE(info.st_mode)
    if mode & ~private == 0:
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise ConfigError(
            f"{str(path)!r} can be read by other users (mode {mode:o}) and belongs to another "
            "user, so it cannot be made private; use a folder of your own"
        )
    try:
        path.chmod(mode & private)
    except OSError as exc:
        raise ConfigError(f"could not make {str(path)!r} private: {exc.strerror}") from None
    return True


def secure_storage(config: Config) -> tuple[Path, ...]:
    """The start-up check that keeps the person's data private; returns what it repaired.

    The data folder becomes 0700 (created if a file will live there); the SQLite database
    is created as an empty 0600 file before SQLite opens it, and it and its side files
    are tightened to 0600 when something made them wider. Raises ConfigError for what it
    cannot repair.
    """
    repaired: list[Path] = []
    data_dir = config.data_dir
    database = _sqlite_file(config.database)
    if data_dir.exists() or (database is not None and database.parent == data_dir):
        if private_dir(data_dir):
            repaired.append(data_dir)
        for name in (SECRET_KEY_FILENAME, *CHECKUP_FILE_PATTERNS):
            repaired += [p for p in data_dir.glob(name) if p.is_file() and private_file(p)]
        repaired += _private_tree(data_dir / MEDIA_DIRNAME)
    if database is not None:
        if not database.parent.exists():
            private_dir(database.parent)
        if private_file(database, create=True):
            repaired.append(database)
        for suffix in SQLITE_SIDE_SUFFIXES:
            side = database.with_name(database.name + suffix)
            if private_file(side):
                repaired.append(side)
    return tuple(repaired)


def _private_tree(folder: Path) -> list[Path]:
    """Tighten a folder of uploads and everything in it: folders 0700, files 0600.

    Uploads written before FILE_UPLOAD_PERMISSIONS was set (or copied in by hand) could be
    readable by other users of the computer; symbolic links are left alone, not followed.
    """
    if not folder.is_dir() or folder.is_symlink():
        return []
    repaired = [folder] if private_dir(folder) else []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            continue
        tighten = private_dir if path.is_dir() else private_file
        if (path.is_dir() or path.is_file()) and tighten(path):
            repaired.append(path)
    return repaired


def _sqlite_file(database: dict[str, Any]) -> Path | None:
    if not str(database.get("ENGINE", "")).endswith("sqlite3"):
        return None
    name = str(database.get("NAME", ""))
    return Path(name) if Path(name).is_absolute() else None
