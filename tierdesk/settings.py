"""Settings for tierdesk, read from the environment.

Defaults run on a laptop: SQLite next to the code, local files, e-mail printed on the console,
background work in the database. Production sets ``TIERDESK_DEBUG=false`` and the variables in
``docs/operators/configuration.md``.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

from core.sqlite import WriterConnection
from infogerencia.sepa import normalize_iban
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
    "core",
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
    "slawatch",
    "automations",
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
        config["OPTIONS"] = {
            # Write transactions take SQLite's write lock at BEGIN, queued on a lock file
            # (core.sqlite: the connection class given to sqlite3.connect).
            "factory": WriterConnection,
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # Pages of 1 KiB instead of 4 KiB in a new database (an existing one keeps its own):
            # each write appends every page it touches to the WAL whole, and a new ticket touches
            # about 30 (its row, its message, its audit event, their indexes): a ticket writes
            # 35 KB of log instead of 110 KB. A checkpoint every 10,000 pages instead of 1,000:
            # the pages every write touches (the newest leaf of each index, the counters) are
            # copied back to the database file once per checkpoint, so fewer checkpoints copy
            # fewer pages.
            "init_command": (
                "PRAGMA page_size=1024; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                " PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=10000;"
            ),
        }
        config.setdefault("TEST", {})["NAME"] = env_str("TIERDESK_TEST_SQLITE", "") or ":memory:"
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
# The password-reset page is accounts'; its e-mail goes out through the notifications service.
PASSWORD_RESET_FORM = "notifications.password_reset.LocalisedPasswordResetForm"  # noqa: S105 - a class path
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
    # A task is acknowledged when it has run, not when a worker takes it, and each worker takes
    # one at a time: the tasks of a worker that dies (SIGKILL, out of memory) go back to the
    # queue for another worker instead of being lost with it. On Redis an unacknowledged task
    # comes back after the visibility timeout (kombu's default is an hour): long enough for the
    # longest task, short enough for the health check's late limit to see it run again.
    CELERY_TASK_ACKS_LATE = True
    CELERY_TASK_REJECT_ON_WORKER_LOST = True
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("TIERDESK_CELERY_VISIBILITY_TIMEOUT", 240, minimum=60, maximum=43200)
    }
    # Enqueueing gives up within seconds when the broker or the result store cannot be reached
    # (the caller keeps the work and tries again), instead of blocking for twenty retries.
    CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 3, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
        "retry_policy": {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
    }
    CELERY_BROKER_CONNECTION_TIMEOUT = 4
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

# Days the database task backend keeps a finished task's row: successful ones, then failed ones
# (kept longer, for whoever looks into a failure). purge_task_results deletes them daily.
TASK_RESULT_RETENTION_DAYS = env_int("TIERDESK_TASK_RESULT_RETENTION_DAYS", 14, minimum=1, maximum=3650)
FAILED_TASK_RETENTION_DAYS = env_int("TIERDESK_FAILED_TASK_RETENTION_DAYS", 90, minimum=1, maximum=3650)

# GET /health/work/ (is the background work keeping up?): who may read it besides logged-in
# staff (a monitoring system sends "Authorization: Bearer <token>"), and after how many seconds
# waiting work counts as late.
HEALTH_TOKEN = env_str("TIERDESK_HEALTH_TOKEN", "")
HEALTH_LATE_SECONDS = env_int("TIERDESK_HEALTH_LATE_SECONDS", 300, minimum=10, maximum=86400)

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

# --- Automatic triage: probes of customers' services, monitoring intake, outages ---------------
# Probes run on the "probes" queue: at most this many at once per run, each bounded by the probe
# timeout, the whole run by the deadline (seconds).
TIERDESK_PROBE_CONCURRENCY = env_int("TIERDESK_PROBE_CONCURRENCY", 8, minimum=1, maximum=256)
TIERDESK_PROBE_TIMEOUT = env_int("TIERDESK_PROBE_TIMEOUT", 5, minimum=1, maximum=60)
TIERDESK_PROBE_DEADLINE = env_int("TIERDESK_PROBE_DEADLINE", 30, minimum=2, maximum=600)
# Networks probes must never reach: CIDRs, and the word "production" for the built-in list of
# private, loopback, link-local, multicast, reserved and metadata ranges. Empty on a laptop.
TIERDESK_PROBE_DENYLIST = env_list("TIERDESK_PROBE_DENYLIST", [] if DEBUG or TESTING else ["production"])
# Resolvers asked for a domain's DNS incidents, as host:port (port 53 when left out). They are
# the desk's own and are never refused by the deny-list.
TIERDESK_DNS_RESOLVERS = env_list("TIERDESK_DNS_RESOLVERS", [])


def _check_triage_settings() -> None:
    for item in TIERDESK_PROBE_DENYLIST:
        if item == "production":
            continue
        try:
            ipaddress.ip_network(item, strict=True)
        except ValueError as error:
            raise ConfigurationError(
                f"TIERDESK_PROBE_DENYLIST: {item!r} is not a network ({error}); use CIDRs or 'production'."
            ) from None
    for item in TIERDESK_DNS_RESOLVERS:
        # host, host:port, [v6] or [v6]:port
        match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::([0-9]{1,5}))?|([^:\[\]]+)(?::([0-9]{1,5}))?", item)
        port = (match.group(2) or match.group(4)) if match else None
        if match is None or (port is not None and not 1 <= int(port) <= 65535):
            raise ConfigurationError(f"TIERDESK_DNS_RESOLVERS: {item!r} is not host:port (e.g. 192.0.2.53:53).")


_check_triage_settings()
# Monitoring webhook: shared secret(s) for the t=..,v1=.. signature (comma-separated while
# rotating), and how far the signed time may be from ours (seconds). Empty: the webhook answers 503.
TIERDESK_MONITORING_SECRET = env_str("TIERDESK_MONITORING_SECRET", "")
TIERDESK_MONITORING_TOLERANCE = env_int("TIERDESK_MONITORING_TOLERANCE", 300, minimum=10, maximum=3600)
# An outage opens when this many distinct services behind one host, rack or network segment
# fail within the window (seconds).
TIERDESK_OUTAGE_MIN_SERVICES = env_int("TIERDESK_OUTAGE_MIN_SERVICES", 3, minimum=2, maximum=10000)
TIERDESK_OUTAGE_WINDOW = env_int("TIERDESK_OUTAGE_WINDOW", 600, minimum=10, maximum=86400)
TEMPLATES[0]["OPTIONS"]["context_processors"].append(  # type: ignore[index]
    "triage.context_processors.active_outages"
)
# E-mail in and out (notifications app). Replies come back to
# <INBOUND_MAILBOX>+t-<ticket number>-<signature>@<INBOUND_DOMAIN>; see docs/operators/email.md.
INBOUND_DOMAIN = env_str("TIERDESK_INBOUND_DOMAIN", DEFAULT_FROM_EMAIL.rpartition("@")[2]).lower()
INBOUND_MAILBOX = env_str("TIERDESK_INBOUND_MAILBOX", DEFAULT_FROM_EMAIL.partition("@")[0]).lower()
INBOUND_SECRET = env_str(
    "TIERDESK_INBOUND_SECRET",
    hashlib.sha256(f"tierdesk-inbound-reply-token:{SECRET_KEY}".encode()).hexdigest(),
)
INBOUND_SMTP_HOST = env_str("TIERDESK_INBOUND_SMTP_HOST", "127.0.0.1")
INBOUND_SMTP_PORT = env_int("TIERDESK_INBOUND_SMTP_PORT", 2525, minimum=1, maximum=65535)
INBOUND_MAX_BYTES = env_int("TIERDESK_INBOUND_MAX_BYTES", 30 * 1024 * 1024, minimum=64 * 1024)
# Mail that arrives on the desk's own mailbox without a ticket token opens a ticket on this level.
INBOUND_DEFAULT_LEVEL = env_choice("TIERDESK_INBOUND_DEFAULT_LEVEL", "L2", ["L1", "L2"])
# The category of a ticket opened by e-mail, per level address (L3 work starts with a quote on L2).
INBOUND_CATEGORIES = {"L1": "incident_other", "L2": "technical_other", "L3": "commercial_other"}
IMAP_HOST = env_str("TIERDESK_IMAP_HOST", "")
IMAP_PORT = env_int("TIERDESK_IMAP_PORT", 993, minimum=1, maximum=65535)
IMAP_SSL = env_bool("TIERDESK_IMAP_SSL", True)
IMAP_USER = env_str("TIERDESK_IMAP_USER", "")
IMAP_PASSWORD = env_str("TIERDESK_IMAP_PASSWORD", "")
IMAP_MAILBOX = env_str("TIERDESK_IMAP_MAILBOX", "INBOX")
IMAP_BATCH = env_int("TIERDESK_IMAP_BATCH", 100, minimum=1, maximum=10000)
MAIL_MAX_ATTEMPTS = env_int("TIERDESK_MAIL_MAX_ATTEMPTS", 8, minimum=1, maximum=50)
MAIL_RETRY_SECONDS = env_int("TIERDESK_MAIL_RETRY_SECONDS", 60, minimum=1, maximum=86400)
# Days the raw inbound mail is kept once processed (quarantined mail stays until it is handled).
INBOUND_RETENTION_DAYS = env_int("TIERDESK_INBOUND_RETENTION_DAYS", 90, minimum=1, maximum=3650)
# Days quarantined mail nobody handled is kept (from its arrival) before the daily purge deletes it.
INBOUND_QUARANTINE_RETENTION_DAYS = env_int("TIERDESK_INBOUND_QUARANTINE_RETENTION_DAYS", 30, minimum=1, maximum=3650)
# --- agents' console ---------------------------------------------------------------------------
# PostgreSQL full-text search fields (the lookups only activate on PostgreSQL; SQLite uses FTS5).
INSTALLED_APPS += ["django.contrib.postgres"]
# Shared secret(s) of the PBX/CTI connector that posts call events, comma-separated for rotation.
TIERDESK_CTI_SECRET = env_str("TIERDESK_CTI_SECRET", "")
# How old (or early) a signed call event may be, in seconds.
TIERDESK_CTI_TOLERANCE = env_int("TIERDESK_CTI_TOLERANCE", 300, minimum=10, maximum=3600)
# Rows per queue page, and how many pages deep the queue goes (refine the filters beyond that).
CONSOLE_PAGE_SIZE = env_int("TIERDESK_CONSOLE_PAGE_SIZE", 50, minimum=10, maximum=200)
CONSOLE_MAX_PAGES = env_int("TIERDESK_CONSOLE_MAX_PAGES", 20, minimum=1, maximum=200)
# --- Customer login protection and the Manager -----------------------------------------------
# Failed logins within the window lock further attempts out, per identifier and per address.
# The per-address limit is higher: several contacts of one office may share an address.
LOGIN_FAILURE_WINDOW_MINUTES = env_int("TIERDESK_LOGIN_FAILURE_WINDOW_MINUTES", 15, minimum=1, maximum=1440)
LOGIN_FAILURE_LIMIT = env_int("TIERDESK_LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
LOGIN_FAILURE_LIMIT_PER_IP = env_int("TIERDESK_LOGIN_FAILURE_LIMIT_PER_IP", 20, minimum=1, maximum=10000)
# The name authenticator apps show beside the account.
TOTP_ISSUER = env_str("TIERDESK_TOTP_ISSUER", "tierdesk")
# Password-reset links stay valid this long.
PASSWORD_RESET_TIMEOUT = env_int("TIERDESK_PASSWORD_RESET_TIMEOUT", 3 * 3600, minimum=300, maximum=7 * 24 * 3600)
# --- Infogerencia (level 3): quotes, payments, interventions, invoices --------------------------
# The seller printed on quotes and invoices. The address is one line per "|".
TIERDESK_SELLER_NAME = env_str("TIERDESK_SELLER_NAME", "tierdesk Hosting S.L.")
TIERDESK_SELLER_VAT_ID = env_str("TIERDESK_SELLER_VAT_ID", "ESB00000000")
TIERDESK_SELLER_ADDRESS = env_str("TIERDESK_SELLER_ADDRESS", "Calle de Ejemplo 1|28001 Madrid|España")
TIERDESK_SELLER_COUNTRY = env_str("TIERDESK_SELLER_COUNTRY", "ES")
# Payment providers, by dotted path; each has a stable ``code``. Each one whose settings below are
# filled in is offered on the customer's quote page (docs/operators/payments.md).
TIERDESK_PAYMENT_PROVIDERS = env_list(
    "TIERDESK_PAYMENT_PROVIDERS",
    [
        "infogerencia.payments.manual.ManualProvider",
        "infogerencia.payments.redsys_pos.RedsysProvider",
        "infogerencia.payments.stripe_checkout.StripeProvider",
        "infogerencia.payments.bank_transfer.BankTransferProvider",
        "infogerencia.payments.signed_webhook.SignedWebhookProvider",
    ],
)
# On a laptop (`make run`), Redsys' public test terminal, Stripe in test mode and an example IBAN,
# so every way of paying can be walked through; never in tests or production.
TIERDESK_DEMO_PAYMENTS = env_bool("TIERDESK_DEMO_PAYMENTS", DEBUG and not TESTING)
# Redsys virtual POS: merchant code (FUC), terminal and the SHA-256 key from the bank's portal.
TIERDESK_REDSYS_MERCHANT_CODE = env_str("TIERDESK_REDSYS_MERCHANT_CODE", "999008881" if TIERDESK_DEMO_PAYMENTS else "")
TIERDESK_REDSYS_TERMINAL = env_int("TIERDESK_REDSYS_TERMINAL", 1, minimum=1, maximum=999)
TIERDESK_REDSYS_SECRET_KEY = env_str(
    "TIERDESK_REDSYS_SECRET_KEY", "sq7HjrUOBfKmC576ILgskD5srU870gJ7" if TIERDESK_DEMO_PAYMENTS else ""
)
# Test mode posts to Redsys' test TPV (sis-t.redsys.es); TIERDESK_REDSYS_URL overrides either URL.
TIERDESK_REDSYS_TEST = env_bool("TIERDESK_REDSYS_TEST", TIERDESK_DEMO_PAYMENTS)
TIERDESK_REDSYS_URL = env_str("TIERDESK_REDSYS_URL", "")
TIERDESK_REDSYS_SIGNATURE_VERSION = env_choice(
    "TIERDESK_REDSYS_SIGNATURE_VERSION", "HMAC_SHA256_V1", ["HMAC_SHA256_V1", "HMAC_SHA512_V1", "HMAC_SHA512_V2"]
)
if TIERDESK_REDSYS_MERCHANT_CODE and not re.fullmatch(r"\d{1,9}", TIERDESK_REDSYS_MERCHANT_CODE):
    raise ConfigurationError("TIERDESK_REDSYS_MERCHANT_CODE is the merchant code (FUC): up to 9 digits.")
if TIERDESK_REDSYS_SECRET_KEY and TIERDESK_REDSYS_SIGNATURE_VERSION == "HMAC_SHA256_V1":
    try:
        _redsys_key_length = len(base64.b64decode(TIERDESK_REDSYS_SECRET_KEY, validate=True))
    except ValueError:
        _redsys_key_length = 0
    if _redsys_key_length not in {16, 24}:
        raise ConfigurationError("TIERDESK_REDSYS_SECRET_KEY is not the Base64 SHA-256 key of the bank's portal.")
# Stripe: the secret API key (sk_test_... in test mode) and the webhook signing secrets
# (comma-separated while one is rotated). The API base is only changed to test against a stand-in.
# The demo sets no key: Stripe cannot be reached offline, so the demo offers no button that
# could only fail; an operator who sets a real sk_test_ key gets Stripe's test mode.
TIERDESK_STRIPE_SECRET_KEY = env_str("TIERDESK_STRIPE_SECRET_KEY", "")
TIERDESK_STRIPE_WEBHOOK_SECRETS = env_list("TIERDESK_STRIPE_WEBHOOK_SECRETS", [])
TIERDESK_STRIPE_WEBHOOK_TOLERANCE = env_int("TIERDESK_STRIPE_WEBHOOK_TOLERANCE", 300, minimum=10, maximum=3600)
TIERDESK_STRIPE_API_BASE = env_str("TIERDESK_STRIPE_API_BASE", "https://api.stripe.com").rstrip("/")
TIERDESK_STRIPE_TIMEOUT = env_int("TIERDESK_STRIPE_TIMEOUT", 20, minimum=1, maximum=120)
if TIERDESK_STRIPE_SECRET_KEY and not TIERDESK_STRIPE_SECRET_KEY.startswith(("sk_", "rk_")):
    raise ConfigurationError("TIERDESK_STRIPE_SECRET_KEY must be a secret (sk_...) or restricted (rk_...) key.")
# SEPA transfers: the account customers pay into. Empty IBAN: transfers are not offered.
TIERDESK_BANK_IBAN = env_str("TIERDESK_BANK_IBAN", "ES9121000418450200051332" if TIERDESK_DEMO_PAYMENTS else "")
TIERDESK_BANK_BIC = env_str("TIERDESK_BANK_BIC", "CAIXESBBXXX" if TIERDESK_DEMO_PAYMENTS else "")
TIERDESK_BANK_BENEFICIARY = env_str("TIERDESK_BANK_BENEFICIARY", "")
if TIERDESK_BANK_IBAN:
    try:
        TIERDESK_BANK_IBAN = normalize_iban(TIERDESK_BANK_IBAN)
    except ValueError as _error:
        raise ConfigurationError(f"TIERDESK_BANK_IBAN: {_error}.") from None
if TIERDESK_BANK_BIC and not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?", TIERDESK_BANK_BIC):
    raise ConfigurationError("TIERDESK_BANK_BIC is not a BIC (8 or 11 letters and digits).")
# The desk's own signed payment event (docs/operators/payment-webhook.md): its secrets,
# comma-separated while one is rotated. Empty: the endpoint refuses every delivery with 503.
TIERDESK_PAYMENT_WEBHOOK_SECRET = env_list("TIERDESK_PAYMENT_WEBHOOK_SECRET", [])
TIERDESK_PAYMENT_WEBHOOK_TOLERANCE = env_int("TIERDESK_PAYMENT_WEBHOOK_TOLERANCE", 300, minimum=1, maximum=3600)
TIERDESK_QUOTE_VALIDITY_DAYS = env_int("TIERDESK_QUOTE_VALIDITY_DAYS", 30, minimum=1, maximum=365)
TIERDESK_INVOICE_DUE_DAYS = env_int("TIERDESK_INVOICE_DUE_DAYS", 30, minimum=0, maximum=365)
TIERDESK_INVOICE_SERIES = env_str("TIERDESK_INVOICE_SERIES", "A")
TIERDESK_CREDIT_NOTE_SERIES = env_str("TIERDESK_CREDIT_NOTE_SERIES", "R")
if TIERDESK_INVOICE_SERIES == TIERDESK_CREDIT_NOTE_SERIES:
    raise ConfigurationError("TIERDESK_INVOICE_SERIES and TIERDESK_CREDIT_NOTE_SERIES must differ.")
# Interventions start at least this many minutes after payment, on a quarter hour.
TIERDESK_INTERVENTION_LEAD_MINUTES = env_int("TIERDESK_INTERVENTION_LEAD_MINUTES", 60, minimum=0, maximum=10080)
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

# Check a declared incident's service at once (the guide's ping rule). Off only for test suites
# of other parts, which declare incidents on loopback services that would all answer ping.
TRIAGE_ON_DECLARE = env_bool("TIERDESK_TRIAGE_ON_DECLARE", True)
# --- Security headers (docs/operators/security.md) -------------------------------------------
# Content-Security-Policy on every answer, through Django's own middleware: scripts and styles
# only from the desk's static files (no inline script, no style attribute), nothing framed, no
# plugins. Forms may post elsewhere: the card payment page posts to the bank's virtual POS.
MIDDLEWARE.insert(1, "django.middleware.csp.ContentSecurityPolicyMiddleware")
# The REST API's documentation page with django-ninja's own copy of Swagger UI, not a CDN's.
INSTALLED_APPS += ["ninja"]
MIDDLEWARE.insert(2, "tierdesk.security.PermissionsPolicyMiddleware")
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Browser features no page of the desk uses, switched off for every page and anything it embeds.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), screen-wake-lock=(), xr-spatial-tracking=()"
)
# Reverse proxies whose X-Forwarded-For is believed (CIDRs, IPv4 or IPv6): the login lockout and
# the API's per-address limits count the client's address they forward. Empty: REMOTE_ADDR.
TRUSTED_PROXIES = env_list("TIERDESK_TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ConfigurationError(
            f"TIERDESK_TRUSTED_PROXIES: {_proxy!r} is not an address or network ({_error})."
        ) from None
# Secrets kept encrypted at rest (two-factor secrets, OVH application secrets): Fernet keys,
# comma-separated, newest first (core/crypto.py; rotation in docs/operators/security.md).
ENCRYPTION_KEYS = env_list("TIERDESK_ENCRYPTION_KEYS", [])
if not (DEBUG or TESTING) and not ENCRYPTION_KEYS:
    raise ConfigurationError(
        "TIERDESK_ENCRYPTION_KEYS must be set in production: a Fernet key from "
        '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.'
    )
for _key in ENCRYPTION_KEYS:
    try:
        if len(base64.urlsafe_b64decode(_key.encode())) != 32:
            raise ValueError
    except ValueError:
        raise ConfigurationError(
            "TIERDESK_ENCRYPTION_KEYS: each key is a Fernet key (32 bytes, URL-safe Base64)."
        ) from None
