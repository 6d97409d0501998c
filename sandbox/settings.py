"""Django settings for Lunchbox.

Environment variables are the only override, read through the small typed helpers below that
raise ImproperlyConfigured on a bad value. With nothing set, Lunchbox runs in development mode on
SQLite and the in-memory channel layer.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from sandbox.workers import default_processes

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no variable; anything but the usual spellings is a configuration error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false or yes/no.")


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list, dropping blanks."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    """Read a whole number ≥ 0."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < 0:
        raise ImproperlyConfigured(f"{name}={raw!r} must not be negative.")
    return value


_POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}
# WAL lets learners' page views read while a run is written; IMMEDIATE takes the write lock at
# the start of a transaction, so two writers wait for each other (up to `timeout` seconds)
# instead of one failing at once with "database is locked". synchronous=FULL syncs the WAL at
# every commit, so what a learner was shown as saved survives a power cut too (NORMAL survives
# a killed server, not a dead laptop battery: docs/hosting.md, "What is durable").
SQLITE_OPTIONS: dict[str, object] = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


# An SQLite connection is kept between the sockets' database calls (all made in Channels' one
# database thread): opening one, with its PRAGMAs, for every run's write was about a tenth of
# the server process's profile samples per run (py-spy). HTTP requests each run in a thread of
# their own under ASGI, and their connections still end with the thread.
SQLITE_CONNECTIONS: dict[str, Any] = {"conn_max_age": 600, "conn_health_checks": True}

# PostgreSQL connections each server process keeps in its pool: with PostgreSQL's default of
# 100 connections, four processes of 20 leave room for migrations and psql.
DB_POOL_SIZE = int(os.environ.get("LUNCHBOX_DB_POOL_SIZE", "20"))


def env_database(name: str, default: dict[str, object]) -> dict[str, object]:
    """Turn DATABASE_URL (postgres://user:pass@host:port/db?sslmode=require or
    sqlite:////abs/path) into a DATABASES entry, with every query option kept in OPTIONS."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    url = urlsplit(raw)
    if url.scheme in _POSTGRES_SCHEMES:
        if not url.path.lstrip("/"):
            raise ImproperlyConfigured(f"{name} has no database name (…/<name> at the end).")
        # Under ASGI every request runs in a thread of its own, so per-thread persistent
        # connections pile up (Django's docs say so) and a room loading its pages at once ran
        # PostgreSQL out of connections ("too many clients"). A pool per process instead: a
        # request waits for one of its connections rather than failing.
        config = dj_database_url.parse(raw, conn_max_age=0)
        config["PORT"] = str(config.get("PORT") or "")
        options = dict(config.get("OPTIONS", {}))
        options.setdefault("pool", {"min_size": 1, "max_size": DB_POOL_SIZE, "timeout": 20})
        config["OPTIONS"] = options
    elif url.scheme == "sqlite":
        if url.path in {"", "/"}:
            raise ImproperlyConfigured(
                f"{name} has no SQLite file path (sqlite:////abs/path.db).")
        config = dj_database_url.parse(raw, **SQLITE_CONNECTIONS)
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    else:
        raise ImproperlyConfigured(
            f"{name} scheme {url.scheme!r} is not supported; use postgres://… or sqlite:///…"
        )
    return dict(config)


def env_redis(name: str) -> str | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    if urlsplit(raw).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"{name}={raw!r} must start with redis://, rediss:// or unix://")
    return raw


def env_secret_key(name: str, default: str) -> str:
    """SECRET_KEY from `name`, or from the file `<name>_FILE` names (never both)."""
    raw = os.environ.get(name)
    file_name = os.environ.get(f"{name}_FILE", "").strip()
    if raw is not None and file_name:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    if not file_name:
        return default if raw is None else raw
    try:
        return Path(file_name).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {error}") from None


DEBUG = env_bool("DEBUG", True)
# Where the SQLite file, the collected static files and a workshop's secret key live.
VAR_DIR = Path(env_str("LUNCHBOX_VAR_DIR", str(BASE_DIR / "var"))).resolve()
_DEV_SECRET = "lunchbox-development-only-secret-key-not-for-production"
SECRET_KEY = env_secret_key("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "DEBUG is off, so SECRET_KEY (or a file named by SECRET_KEY_FILE) must hold a random "
        "value of at least 32 characters "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))'); "
        "`make workshop` makes one for you."
    )
# With DEBUG off the default is empty: every request is a 400 until the names are listed.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "sandbox",
    "lessons",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Picks the interface language (issue 11): after sessions, before common.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sandbox.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

# The admin login is the only password form. django-axes refuses a username from one address
# after AXES_FAILURE_LIMIT wrong passwords, even the right one, until AXES_COOLOFF_TIME has
# passed; the pair (not the address alone) keeps a learner from locking the instructor out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every manage.py command's stderr; lockouts are still logged

ROOT_URLCONF = "sandbox.urls"
ASGI_APPLICATION = "sandbox.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env_database(
        "DATABASE_URL",
        {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "lunchbox.sqlite3",
            "OPTIONS": dict(SQLITE_OPTIONS),
            "CONN_MAX_AGE": SQLITE_CONNECTIONS["conn_max_age"],
            "CONN_HEALTH_CHECKS": SQLITE_CONNECTIONS["conn_health_checks"],
            # Tests use Django's shared-cache in-memory SQLite (visible to the worker threads
            # of database_sync_to_async), so parallel test runs never share a file.
        },
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_redis("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 closes idle connections after 5 s unless the read timeout is lifted.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                # Only board sockets have channels. Each server process sends a board at most
                # one message per 50 ms (lessons/board_feed.py), so 300 messages are 7 s of a
                # stalled board with two processes at their busiest; past that, or after 30 s
                # unread, a message is dropped and the board, seeing the gap in its sender's
                # sequence, is sent a fresh snapshot instead. Bounded, so a board that died
                # without leaving its group costs Redis little until `group_expiry` (1 day).
                "capacity": 300,
                "expiry": 30,
                "group_expiry": 86400,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
# Only English ships; add a language here once its catalog exists in locale/.
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "sandbox.storage.ModuleGraphStaticFilesStorage"
        )
    },
}
# Mermaid's ESM build imports its chunks by relative name, so they must keep their names.
WHITENOISE_MANIFEST_STRICT = False

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# Secure cookies are only sent over HTTPS: on by default with DEBUG off (TLS behind a proxy),
# off for a laptop serving plain HTTP on venue Wi-Fi (`make workshop` sets SECURE_COOKIES=0),
# where a browser would drop them: no admin login (CSRF) and a new learner on every reload.
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Behind a TLS-terminating proxy (an ingress), set these; a laptop on plain HTTP leaves them off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Deploy checks a host has decided against on purpose, each with its reason where it is set
# (scripts/workshop.py for a room on plain HTTP, deploy/kubernetes/15-configmap.yaml).
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_CHECKS", [])
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Simulation limits applied at the edge (the consumer), so a hostile client cannot pin a worker.
LUNCHBOX_MAX_MESSAGE_BYTES = 300 * 1024
# Daphne drops a socket whose message is over its own limit (close code 1009) without a word to
# the application, so it must let through well more than ours for our `too_large` answer to
# be sent. `manage.py runserver` reads these; `make run`, `make workshop` (scripts/workshop.py),
# deploy/Dockerfile and docs/hosting.md pass the same number as --websocket-max-message-size
# and --websocket-max-frame-size (tests/server/test_daphne_limits.py checks them all).
DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE = 4 * 1024 * 1024
DAPHNE_WEBSOCKET_MAX_FRAME_SIZE = DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE
# Runs per minute that all sockets from one client address share (sandbox/limits.py), on top of
# each socket's own limit. 0 turns it off: for a room that reaches the server through one
# address (a venue NAT in front of a hosted server) without a proxy that says who is who.
# Worker processes that evaluate pastes beside the event loop (sandbox/workers.py): one per
# core but one, from two to four; 0 evaluates in threads of the server's own process instead.
LUNCHBOX_EVAL_PROCESSES = env_int("LUNCHBOX_EVAL_PROCESSES", default_processes())
# Bytes of prepared runs each server process keeps, so that an identical run (the same paste,
# scenario, settings and challenge) is not evaluated again (sandbox/run_cache.py); 0 keeps none.
LUNCHBOX_RUN_CACHE_BYTES = env_int("LUNCHBOX_RUN_CACHE_BYTES", 48 * 1024 * 1024)
LUNCHBOX_ADDRESS_RUNS_PER_MINUTE = env_int("LUNCHBOX_ADDRESS_RUNS_PER_MINUTE", 240)
LUNCHBOX_FRAME_INTERVAL_MAX = 2.0
# The connection guard around daphne (sandbox/serve.py, used by `make run` and `make workshop`):
# a connection must finish its request headers within this many seconds or it is closed, and
# one client address holds at most this many connections at once, websockets included; the
# next ones are closed at once while other addresses are served. A whole class behind one venue
# NAT shares the cap (each learner: one websocket plus a few short HTTP connections), so keep
# it well above 4 × learners; 0 turns the cap off (behind a proxy every connection is its).
LUNCHBOX_HEADER_TIMEOUT = env_int("LUNCHBOX_HEADER_TIMEOUT", 5)
LUNCHBOX_MAX_CONNECTIONS_PER_CLIENT = env_int("LUNCHBOX_MAX_CONNECTIONS_PER_CLIENT", 200)
# Seconds an idle keep-alive HTTP connection is kept (Twisted's default is 12 hours).
LUNCHBOX_HTTP_IDLE_TIMEOUT = env_int("LUNCHBOX_HTTP_IDLE_TIMEOUT", 30)
