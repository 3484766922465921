"""Settings for tierdesk, read from the environment.

Defaults run on a laptop: SQLite next to the code, local files, e-mail printed on the console,
background work in the database. Production sets ``TIERDESK_DEBUG=false`` and the variables in
``docs/operators/configuration.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

from tierdesk.env import ConfigurationError, env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("TIERDESK_DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("TIERDESK_DEBUG", True)
TESTING = "pytest" in sys.modules or env_bool("TIERDESK_TESTING", False)

_DEV_SECRET = "dev-only-secret-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - refused in production
SECRET_KEY = env_str("TIERDESK_SECRET_KEY", _DEV_SECRET if DEBUG or TESTING else "")
if not SECRET_KEY:
    raise ConfigurationError("TIERDESK_SECRET_KEY must be set when TIERDESK_DEBUG is false.")
if not (DEBUG or TESTING) and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    raise ConfigurationError("TIERDESK_SECRET_KEY must be a random value of at least 50 characters in production.")

ALLOWED_HOSTS = env_list("TIERDESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not TESTING and not ALLOWED_HOSTS:
    raise ConfigurationError("TIERDESK_ALLOWED_HOSTS must list the host names the desk answers on.")
CSRF_TRUSTED_ORIGINS = env_list("TIERDESK_CSRF_TRUSTED_ORIGINS", [])

# The address customers and API clients use; signatures and links in e-mails are built from it.
PUBLIC_URL = env_str("TIERDESK_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "tierdesk",
    "accounts",
    "levels",
    "services",
    "sla",
    "tickets",
    "triage",
    "infogerencia",
    "guides",
    "notifications",
    "portal",
    "console",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tierdesk.urls"
WSGI_APPLICATION = "tierdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database(url: str) -> dict[str, Any]:
    if not url.startswith(("sqlite:", "postgres:", "postgresql:", "pgsql:")):
        raise ConfigurationError(
            f"TIERDESK_DATABASE_URL={url!r}: use sqlite:///path/to/file.sqlite3 or postgres://user@host:port/name."
        )
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as error:
        raise ConfigurationError(f"TIERDESK_DATABASE_URL is not a valid database URL: {error}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        config.setdefault("TEST", {})["NAME"] = env_str("TIERDESK_TEST_SQLITE", "") or None
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database(env_str("TIERDESK_DATABASE_URL", f"sqlite:///{DATA_DIR / 'tierdesk.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.IdentifierBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING and not env_bool("TIERDESK_TEST_REAL_HASHER", False):
    # Argon2 is slow on purpose; tests that check it set TIERDESK_TEST_REAL_HASHER or override_settings.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# The suffix of generated customer identifiers, as in ab12345-ovh.
CUSTOMER_ID_SUFFIX = env_str("TIERDESK_CUSTOMER_ID_SUFFIX", "ovh")

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIERDESK_TIME_ZONE", "Europe/Madrid")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "media")},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Attachments: size per file, files per message, and the types customers may send.
ATTACHMENT_MAX_BYTES = env_int("TIERDESK_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
ATTACHMENT_MAX_FILES = env_int("TIERDESK_ATTACHMENT_MAX_FILES", 5, minimum=1, maximum=50)
ATTACHMENT_ALLOWED_TYPES = env_list(
    "TIERDESK_ATTACHMENT_TYPES",
    [
        "text/plain",
        "text/csv",
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/zip",
        "application/gzip",
        "application/json",
        "application/octet-stream",
    ],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# E-mail: printed on the console on a laptop; SMTP in production.
_email_backend = env_choice("TIERDESK_EMAIL_BACKEND", "console" if DEBUG else "smtp", ["console", "smtp", "memory"])
MAILERS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": {
            "console": "django.core.mail.backends.console.EmailBackend",
            "smtp": "django.core.mail.backends.smtp.EmailBackend",
            "memory": "django.core.mail.backends.locmem.EmailBackend",
        }[_email_backend],
        "OPTIONS": (
            {
                "host": env_str("TIERDESK_EMAIL_HOST", "127.0.0.1"),
                "port": env_int("TIERDESK_EMAIL_PORT", 25, minimum=1, maximum=65535),
                "username": env_str("TIERDESK_EMAIL_USER", ""),
                "password": env_str("TIERDESK_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("TIERDESK_EMAIL_TLS", False),
                "timeout": 20,
            }
            if _email_backend == "smtp"
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env_str("TIERDESK_FROM_EMAIL", "soporte@tierdesk.localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work goes through django.tasks; the backend is the only thing that changes.
TASK_QUEUES = ["default", "sla", "probes", "mail", "webhooks"]
# Tests run tasks at once unless a test asks for a real worker.
_task_backend = env_choice(
    "TIERDESK_TASK_BACKEND", "immediate" if TESTING else "database", ["database", "celery", "immediate", "dummy"]
)
if _task_backend == "database":
    TASKS: dict[str, dict[str, Any]] = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}
    }
elif _task_backend == "celery":
    CELERY_BROKER_URL = env_str("TIERDESK_CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    CELERY_RESULT_BACKEND = env_str("TIERDESK_CELERY_RESULT_BACKEND", "redis://127.0.0.1:6379/1")
    CELERY_RESULT_EXTENDED = True
    CELERY_TASK_DEFAULT_QUEUE = "default"
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_celery.CeleryBackend",
            "QUEUES": TASK_QUEUES,
            "OPTIONS": {"CELERY_APP": "tierdesk.celery_app.app"},
        }
    }
else:
    TASKS = {
        "default": {
            "BACKEND": f"django.tasks.backends.{_task_backend}.{_task_backend.capitalize()}Backend",
            "QUEUES": TASK_QUEUES,
        }
    }

# The scheduler's tick, in seconds.
SCHEDULER_TICK_SECONDS = env_int("TIERDESK_SCHEDULER_TICK", 30, minimum=1, maximum=3600)

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("TIERDESK_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("TIERDESK_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("TIERDESK_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("TIERDESK_HSTS_PRELOAD", False)
    if env_bool("TIERDESK_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("TIERDESK_LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"]),
    },
}

# Resolved tickets with no answer from the customer close themselves after this many days.
AUTO_CLOSE_DAYS = env_int("TIERDESK_AUTO_CLOSE_DAYS", 7, minimum=1, maximum=365)

# APIs: REST v1, the OVH-compatible /1.0 and outbound webhooks.
# Requests per window: per token (and per consumer key), and per address for calls without valid credentials.
API_RATE_LIMIT = env_int("TIERDESK_API_RATE_LIMIT", 600, minimum=1)
API_RATE_LIMIT_ANONYMOUS = env_int("TIERDESK_API_RATE_LIMIT_ANONYMOUS", 60, minimum=1)
API_RATE_WINDOW_SECONDS = env_int("TIERDESK_API_RATE_WINDOW", 60, minimum=1, maximum=3600)
# How long an Idempotency-Key is remembered, in hours.
API_IDEMPOTENCY_HOURS = env_int("TIERDESK_API_IDEMPOTENCY_HOURS", 24, minimum=1, maximum=24 * 30)
# The public URL the OVH client signs against (scheme, host, port; /1.0 follows). Behind a proxy,
# set it to what clients use.
OVH_API_BASE = env_str("TIERDESK_OVH_API_BASE", PUBLIC_URL).rstrip("/")
OVH_TIMESTAMP_TOLERANCE = env_int("TIERDESK_OVH_TIMESTAMP_TOLERANCE", 180, minimum=5, maximum=3600)
# Webhooks never reach private, loopback or link-local addresses unless this is on (laptops, tests).
WEBHOOK_ALLOW_PRIVATE = env_bool("TIERDESK_WEBHOOK_ALLOW_PRIVATE", DEBUG)
WEBHOOK_MAX_ATTEMPTS = env_int("TIERDESK_WEBHOOK_MAX_ATTEMPTS", 8, minimum=1, maximum=20)
WEBHOOK_RETRY_BASE_SECONDS = env_int("TIERDESK_WEBHOOK_RETRY_BASE", 30, minimum=1, maximum=3600)
WEBHOOK_TIMEOUT_SECONDS = env_int("TIERDESK_WEBHOOK_TIMEOUT", 10, minimum=1, maximum=60)
