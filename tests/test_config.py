"""Strict configuration parsing (config.py) and its documentation."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from therapycheck import config
from therapycheck.config import ENV_VARS, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"THERAPYCHECK_DATA_DIR": str(tmp_path), **values}


def test_it_defaults_to_personal_mode_with_an_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    loaded = load_config(env(tmp_path))
    assert loaded.mode == "personal"
    assert loaded.database["ENGINE"] == "django.db.backends.sqlite3"
    assert loaded.database["NAME"] == str(tmp_path / config.DATABASE_FILENAME)
    assert loaded.allowed_hosts == config.LOOPBACK_HOSTS
    assert loaded.debug is False


def test_it_rejects_an_unknown_mode(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="THERAPYCHECK_MODE must be 'personal' or 'clinic'"):
        load_config(env(tmp_path, THERAPYCHECK_MODE="team"))


@pytest.mark.parametrize(
    "url", ["mysql://u:p@host/db", "not a url", "http://example.org/db", "postgres//host/db"]
)
def test_it_rejects_a_database_url_it_cannot_use(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_config(env(tmp_path, DATABASE_URL=url))


def test_it_rejects_a_postgres_url_without_a_database_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must name a database"):
        load_config(env(tmp_path, DATABASE_URL="postgres://user@localhost:5432"))


def test_it_reads_a_postgres_url(tmp_path: Path) -> None:
    loaded = load_config(env(tmp_path, DATABASE_URL="postgres://tc:secret@db.local:5433/care"))
    assert loaded.database["ENGINE"] == "django.db.backends.postgresql"
    assert (loaded.database["HOST"], loaded.database["PORT"]) == ("db.local", 5433)
    assert loaded.database["NAME"] == "care"


def test_it_stores_a_generated_secret_key_readable_only_by_the_owner(tmp_path: Path) -> None:
    first = load_config(env(tmp_path)).secret_key
    stored = tmp_path / config.SECRET_KEY_FILENAME
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert load_config(env(tmp_path)).secret_key == first
    assert len(first) >= 32


def test_it_does_not_write_a_key_when_asked_not_to(tmp_path: Path) -> None:
    load_config(env(tmp_path), create_files=False)
    assert not (tmp_path / config.SECRET_KEY_FILENAME).exists()


def test_clinic_mode_needs_an_explicit_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="clinic mode needs SECRET_KEY"):
        load_config(env(tmp_path, THERAPYCHECK_MODE="clinic", ALLOWED_HOSTS="care.example"))


def test_clinic_mode_needs_allowed_hosts(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ALLOWED_HOSTS"):
        load_config(env(tmp_path, THERAPYCHECK_MODE="clinic", SECRET_KEY="k" * 40))


def test_clinic_mode_reads_the_secret_key_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("s" * 50 + "\n")
    loaded = load_config(
        env(
            tmp_path,
            THERAPYCHECK_MODE="clinic",
            SECRET_KEY_FILE=str(key_file),
            ALLOWED_HOSTS="care.example, .care.example",
        )
    )
    assert loaded.secret_key == "s" * 50
    assert loaded.allowed_hosts == ("care.example", ".care.example")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"SECRET_KEY": "short"}, "at least 32 characters"),
        ({"SECRET_KEY": "k" * 40, "SECRET_KEY_FILE": "/x"}, "not both"),
        ({"SECRET_KEY_FILE": "/nonexistent/therapycheck-key"}, "could not be read"),
        ({"THERAPYCHECK_COUNTRY": "Narnia"}, "two-letter country code"),
        ({"THERAPYCHECK_COUNTRY": "ZZ"}, "no crisis resources"),
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
        ({"ALLOWED_HOSTS": "localhost, bad host"}, "invalid host name"),
        ({"CSRF_TRUSTED_ORIGINS": "care.example"}, "CSRF_TRUSTED_ORIGINS"),
        ({"THERAPYCHECK_DATA_DIR": "relative/dir"}, "absolute path"),
    ],
)
def test_a_bad_value_stops_with_a_message_naming_the_setting(
    tmp_path: Path, values: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(env(tmp_path, **values))


def test_a_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(ConfigError, match="not a directory"):
        load_config({"THERAPYCHECK_DATA_DIR": str(a_file)})


def test_country_codes_are_read_case_insensitively(tmp_path: Path) -> None:
    assert load_config(env(tmp_path, THERAPYCHECK_COUNTRY="gb")).country == "GB"


def test_debug_accepts_the_usual_spellings(tmp_path: Path) -> None:
    assert load_config(env(tmp_path, DEBUG="on")).debug is True
    assert load_config(env(tmp_path, DEBUG="0")).debug is False


def test_every_variable_the_parser_reads_is_listed_in_env_vars() -> None:
    source = Path(config.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r"env\.get\(\"([A-Z_]+)\"\)", source))
    assert read, "the parser should read its settings with env.get(...)"
    assert read <= set(ENV_VARS)


def test_docs_configuration_describes_every_setting() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = [name for name in ENV_VARS if f"`{name}`" not in doc]
    assert not missing, f"docs/configuration.md does not describe: {missing}"


def test_django_start_up_stops_with_a_clear_message_on_a_bad_setting(tmp_path: Path) -> None:
    bad = {
        **os.environ,
        "THERAPYCHECK_DATA_DIR": str(tmp_path),
        "THERAPYCHECK_MODE": "bogus",
        "DJANGO_SETTINGS_MODULE": "therapycheck.web.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=bad,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "THERAPYCHECK_MODE must be 'personal' or 'clinic'" in done.stderr


def test_the_tests_never_use_the_real_user_data_directory() -> None:
    from django.conf import settings

    real = config.default_data_dir().resolve()
    used = Path(settings.THERAPYCHECK_DATA_DIR).resolve()
    assert used != real
    assert not used.is_relative_to(real)
    assert not Path(settings.DATABASES["default"]["NAME"]).resolve().is_relative_to(real)
    # Subprocesses and xdist workers inherit the same throwaway directory.
    assert Path(os.environ["THERAPYCHECK_DATA_DIR"]).resolve() == used


def test_the_production_settings_know_nothing_about_tests() -> None:
    source = (ROOT / "src" / "therapycheck" / "web" / "settings.py").read_text(encoding="utf-8")
    assert "pytest" not in source


@pytest.mark.parametrize("hosts", ["*", "localhost,*", ".example.org", "my-laptop.local"])
def test_personal_mode_refuses_host_names_of_other_machines(tmp_path: Path, hosts: str) -> None:
    # No login in personal mode: another name would let a web page that points its own
    # name at 127.0.0.1 (DNS rebinding) read the person's data.
    with pytest.raises(ConfigError, match="personal mode has no login"):
        load_config(env(tmp_path, ALLOWED_HOSTS=hosts))


def test_personal_mode_accepts_this_computers_own_names(tmp_path: Path) -> None:
    loaded = load_config(env(tmp_path, ALLOWED_HOSTS="localhost, 127.0.0.1, [::1]"))
    assert loaded.allowed_hosts == ("localhost", "127.0.0.1", "[::1]")


def test_clinic_mode_still_takes_its_own_host_names(tmp_path: Path) -> None:
    loaded = load_config(
        env(tmp_path, THERAPYCHECK_MODE="clinic", SECRET_KEY="k" * 40, ALLOWED_HOSTS="care.org")
    )
    assert loaded.allowed_hosts == ("care.org",)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite://:memory:", "sqlite:///x.db"])
def test_it_refuses_an_sqlite_url_without_an_absolute_file(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError, match="must name a file by its absolute path"):
        load_config(env(tmp_path, DATABASE_URL=url))


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("umask_022")
def test_it_creates_the_data_folder_and_database_readable_by_the_owner_only(
    tmp_path: Path,
) -> None:
    data = tmp_path / "new" / "data"
    repaired = config.secure_storage(load_config(env(data)))
    assert repaired == ()
    assert mode_of(data) == 0o700
    assert mode_of(data / config.DATABASE_FILENAME) == 0o600
    assert mode_of(data / config.SECRET_KEY_FILENAME) == 0o600


def test_it_repairs_a_data_folder_and_files_left_open_to_others(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    database = data / config.DATABASE_FILENAME
    for name in (config.DATABASE_FILENAME, "therapycheck.sqlite3-wal", "checkup-2026.json"):
        (data / name).write_text("")
        (data / name).chmod(0o644)
    wal, answers = data / "therapycheck.sqlite3-wal", data / "checkup-2026.json"
    repaired = config.secure_storage(load_config(env(data, SECRET_KEY="k" * 40)))
    assert set(repaired) == {data, database, wal, answers}
    assert mode_of(data) == 0o700
    assert [mode_of(p) for p in (database, wal, answers)] == [0o600, 0o600, 0o600]


def test_it_repairs_uploaded_photos_left_open_to_others_without_following_links(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    photos = data / config.MEDIA_DIRNAME / "specialists"
    photos.mkdir(parents=True)
    for folder in (data, data / config.MEDIA_DIRNAME, photos):
        folder.chmod(0o755)
    photo = photos / "a.jpg"
    photo.write_bytes(b"x")
    photo.chmod(0o644)
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not ours to change")
    elsewhere.chmod(0o644)
    (photos / "link.jpg").symlink_to(elsewhere)
    repaired = config.secure_storage(load_config(env(data, SECRET_KEY="k" * 40)))
    assert {data / config.MEDIA_DIRNAME, photos, photo} <= set(repaired)
    assert [mode_of(p) for p in (data / config.MEDIA_DIRNAME, photos)] == [0o700, 0o700]
    assert mode_of(photo) == 0o600
    assert mode_of(elsewhere) == 0o644


def test_it_never_creates_a_data_folder_it_does_not_need(tmp_path: Path) -> None:
    values = env(tmp_path / "unused", SECRET_KEY="k" * 40, DATABASE_URL="postgres://u@h/db")
    assert config.secure_storage(load_config(values)) == ()
    assert not (tmp_path / "unused").exists()


def test_it_refuses_to_start_on_a_folder_of_another_user_open_to_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setattr(os, "getuid", lambda: os.stat(shared).st_uid + 1)  # someone else's
    with pytest.raises(ConfigError, match="belongs to another user"):
        config.private_dir(shared)
    assert mode_of(shared) == 0o777


# ------------------------------------------------------------------ clinic mode refusals


def clinic_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """A safe clinic configuration, with `values` changed."""
    safe = {
        "THERAPYCHECK_MODE": "clinic",
        "SECRET_KEY": "k" * 40,
        "ALLOWED_HOSTS": "care.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://care.example.org",
    }
    return env(tmp_path, **{**safe, **values})


def test_a_safe_clinic_configuration_starts_with_secure_cookies(tmp_path: Path) -> None:
    loaded = load_config(clinic_env(tmp_path))
    assert loaded.mode == "clinic"
    assert loaded.secure_cookies is True
    assert loaded.demo is False


def test_clinic_mode_refuses_debug_and_says_why(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="clinic mode refuses DEBUG=on: error pages would show"):
        load_config(clinic_env(tmp_path, DEBUG="1"))


def test_clinic_mode_refuses_to_run_without_a_secret_key(tmp_path: Path) -> None:
    values = clinic_env(tmp_path)
    del values["SECRET_KEY"]
    with pytest.raises(ConfigError, match="clinic mode needs SECRET_KEY or SECRET_KEY_FILE"):
        load_config(values)


def test_clinic_mode_refuses_to_run_without_allowed_hosts(tmp_path: Path) -> None:
    values = clinic_env(tmp_path)
    del values["ALLOWED_HOSTS"]
    with pytest.raises(ConfigError, match="clinic mode needs ALLOWED_HOSTS"):
        load_config(values)


@pytest.mark.parametrize(
    "values",
    [
        # Served over HTTPS (the proxy's origin), cookies marked as plain HTTP.
        {"SECURE_COOKIES": "off"},
        # Reachable by other computers, even without an HTTPS origin configured.
        {"SECURE_COOKIES": "0", "CSRF_TRUSTED_ORIGINS": ""},
        # On this computer's names, but behind an HTTPS proxy.
        {"SECURE_COOKIES": "no", "ALLOWED_HOSTS": "localhost"},
    ],
)
def test_clinic_mode_refuses_insecure_cookies_on_a_server_others_reach(
    tmp_path: Path, values: dict[str, str]
) -> None:
    with pytest.raises(ConfigError, match=r"refuses SECURE_COOKIES=off .* leave SECURE_COOKIES on"):
        load_config(clinic_env(tmp_path, **values))


def test_insecure_cookies_are_allowed_for_a_clinic_tried_on_this_computer(tmp_path: Path) -> None:
    loaded = load_config(
        clinic_env(
            tmp_path, SECURE_COOKIES="off", ALLOWED_HOSTS="localhost", CSRF_TRUSTED_ORIGINS=""
        )
    )
    assert loaded.secure_cookies is False


def test_the_django_settings_refuse_an_unsafe_clinic_with_the_same_message(
    tmp_path: Path,
) -> None:
    unsafe = {**os.environ, **clinic_env(tmp_path, DEBUG="on")}
    unsafe["DJANGO_SETTINGS_MODULE"] = "therapycheck.web.settings"
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=unsafe,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "clinic mode refuses DEBUG=on" in done.stderr


# ------------------------------------------------------------------------- demo clinic


def demo_env(tmp_path: Path, **values: str) -> dict[str, str]:
    return env(tmp_path, THERAPYCHECK_MODE="clinic", THERAPYCHECK_DEMO="1", **values)


def test_a_demo_clinic_needs_no_secret_or_hosts_and_stays_on_this_computer(
    tmp_path: Path,
) -> None:
    loaded = load_config(demo_env(tmp_path))
    assert loaded.demo is True
    assert loaded.allowed_hosts == config.LOOPBACK_HOSTS
    # Served over plain HTTP on 127.0.0.1, so its cookies cannot be HTTPS-only.
    assert loaded.secure_cookies is False
    assert (tmp_path / config.SECRET_KEY_FILENAME).exists()


@pytest.mark.parametrize("hosts", ["care.example.org", "localhost,0.0.0.0", "*"])
def test_a_demo_clinic_refuses_names_of_other_computers(tmp_path: Path, hosts: str) -> None:
    with pytest.raises(ConfigError, match=r"demo clinic .* only serves this computer"):
        load_config(demo_env(tmp_path, ALLOWED_HOSTS=hosts))


def test_a_demo_is_a_clinic_mode_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="THERAPYCHECK_DEMO is a clinic-mode setting"):
        load_config(env(tmp_path, THERAPYCHECK_DEMO="1"))


def test_a_demo_clinic_still_refuses_debug(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="refuses DEBUG=on"):
        load_config(demo_env(tmp_path, DEBUG="1"))


# ------------------------------------------------------------------------------- email


def test_email_goes_to_the_console_unless_set(tmp_path: Path) -> None:
    loaded = load_config(clinic_env(tmp_path))
    assert loaded.email == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    assert loaded.default_from_email == "therapycheck <noreply@localhost>"


def test_a_demo_clinic_writes_its_emails_to_the_outbox_folder(tmp_path: Path) -> None:
    loaded = load_config(demo_env(tmp_path))
    assert loaded.email == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / config.OUTBOX_DIRNAME),
    }


def test_email_url_reads_an_smtp_server_with_starttls_and_an_escaped_password(
    tmp_path: Path,
) -> None:
    loaded = load_config(
        clinic_env(
            tmp_path,
            EMAIL_URL="smtp://mailer%40care.org:p%40ss%3Aword@mail.care.org?starttls=1",
            DEFAULT_FROM_EMAIL=" Riverside clinic <care@care.org> ",
        )
    )
    assert loaded.email is not None
    assert loaded.email["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (loaded.email["EMAIL_HOST"], loaded.email["EMAIL_PORT"]) == ("mail.care.org", 587)
    assert loaded.email["EMAIL_HOST_USER"] == "mailer@care.org"
    assert loaded.email["EMAIL_HOST_PASSWORD"] == "p@ss:word"
    assert (loaded.email["EMAIL_USE_TLS"], loaded.email["EMAIL_USE_SSL"]) == (True, False)
    assert loaded.default_from_email == "Riverside clinic <care@care.org>"


def test_email_url_smtps_uses_tls_on_port_465(tmp_path: Path) -> None:
    loaded = load_config(clinic_env(tmp_path, EMAIL_URL="smtps://mail.care.org"))
    assert loaded.email is not None
    assert loaded.email["EMAIL_PORT"] == 465
    assert (loaded.email["EMAIL_USE_TLS"], loaded.email["EMAIL_USE_SSL"]) == (False, True)


def test_email_url_keeps_an_explicit_port(tmp_path: Path) -> None:
    loaded = load_config(clinic_env(tmp_path, EMAIL_URL="smtp://mail.care.org:2525"))
    assert loaded.email is not None
    assert loaded.email["EMAIL_PORT"] == 2525
    assert loaded.email["EMAIL_USE_TLS"] is False


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.care.org", "EMAIL_URL must be console, file, or smtp://"),
        ("smtp://", "EMAIL_URL must be console, file, or smtp://"),
        ("sendmail", "EMAIL_URL must be console, file, or smtp://"),
        ("smtp://mail.care.org:port", "EMAIL_URL has a bad port"),
    ],
)
def test_email_url_refuses_what_it_cannot_use(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(clinic_env(tmp_path, EMAIL_URL=url))


def test_the_django_settings_take_the_email_backend_from_email_url(tmp_path: Path) -> None:
    values = {**os.environ, **clinic_env(tmp_path, EMAIL_URL="smtps://u:p@mail.care.org")}
    values["DJANGO_SETTINGS_MODULE"] = "therapycheck.web.settings"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_SSL)",
        ],
        env=values,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.care.org",
        "465",
        "True",
    ]
