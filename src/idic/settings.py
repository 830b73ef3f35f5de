"""Django settings for IDIC, read from environment variables.

Environment:
    DATABASE_URL      operational store; default a SQLite file in IDIC_DATA_DIR (WAL mode).
    IDIC_DATA_DIR     where embedded files live (SQLite, DuckDB, uploads); default ``var/``.
    IDIC_SECRET_KEY   secret for sessions and for protected identifiers.
    IDIC_DEBUG        ``1`` to run in debug mode.
    IDIC_LANGUAGE     default interface language: ``zh-hans`` or ``en``.
    IDIC_ALLOWED_HOSTS comma-separated host names (default: localhost names).
    IDIC_IMPORT_MAX_BYTES largest import file accepted (default 2 GiB).
    IDIC_DB_CONN_MAX_AGE seconds a database connection is kept between requests (default 0).
    IDIC_STATIC_ROOT  target of `collectstatic` for a production web server (optional).
    IDIC_ANALYTICS_ENGINE engine of scoring runs: ``duckdb`` (default), ``postgres`` or ``spark``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("IDIC_DATA_DIR", str(PROJECT_DIR / "var"))).resolve()

SECRET_KEY = os.environ.get("IDIC_SECRET_KEY", "idic-insecure-development-key-change-me")
DEBUG = _flag("IDIC_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("IDIC_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # its templates and static files: the API docs page works offline
    "idic.web",
    "idic.protect",
    "idic.identify",
    "idic.differentiate",
    "idic.interact",
    "idic.customize",
    "idic.analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "idic.urls"
WSGI_APPLICATION = "idic.wsgi.application"
ASGI_APPLICATION = "idic.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "idic.web.context.navigation",
            ],
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'idic.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_db),
        conn_max_age=int(os.environ.get("IDIC_DB_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536;"
            ),
            "transaction_mode": "IMMEDIATE",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = os.environ.get("IDIC_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("IDIC_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "/static/"
# Only needed for `collectstatic` in production; the app serves its own assets through whitenoise.
STATIC_ROOT = os.environ.get("IDIC_STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True  # serve app static files without a collectstatic step

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:search"
LOGOUT_REDIRECT_URL = "web:login"

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IDIC_IMPORT_MAX_BYTES = int(os.environ.get("IDIC_IMPORT_MAX_BYTES", str(2 * 1024**3)))
IDIC_UPLOAD_MAX_BYTES = int(os.environ.get("IDIC_UPLOAD_MAX_BYTES", str(50 * 1024**2)))
IDIC_DEFAULT_COUNTRY_CODE = os.environ.get("IDIC_DEFAULT_COUNTRY_CODE", "86")
IDIC_ANALYTICS_ENGINE = os.environ.get("IDIC_ANALYTICS_ENGINE", "duckdb")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("IDIC_LOG_LEVEL", "WARNING")},
}
