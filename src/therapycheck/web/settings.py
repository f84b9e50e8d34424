"""Placeholder settings so the test runner starts; replaced by the web app work."""

SECRET_KEY = "placeholder-not-for-use"
INSTALLED_APPS: list[str] = []
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
