"""Django settings for Ester, all driven by ``ESTER_*`` environment variables.

See ``docs/development/settings.md`` for the list.  SQLite under
``ESTER_DATA_DIR`` is the embedded default; ``ESTER_DATABASE_URL`` selects
PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import (
    EnvError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_required,
    env_secret,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("ESTER_DEBUG", False)
DATA_DIR = env_path("ESTER_DATA_DIR", BASE_DIR / "var")

if DEBUG:
    SECRET_KEY = env_secret("ESTER_SECRET_KEY") or "ester-debug-only-not-secret"
else:
    SECRET_KEY = env_secret("ESTER_SECRET_KEY") or env_required(
        "ESTER_SECRET_KEY",
        "a long random string (or ESTER_SECRET_KEY_FILE naming a file with it); only ESTER_DEBUG=1 may run without one",
    )
if not DEBUG and len(SECRET_KEY) < 32:
    raise EnvError("ESTER_SECRET_KEY must be at least 32 characters long")

ALLOWED_HOSTS = env_list("ESTER_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("ESTER_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("ESTER_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ester.core",
    "ester.accounts",
    "ester.organisation",
    "ester.agreements",
    "ester.portal",
    "ester.cases",
    "ester.intake",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ester.core.middleware.SwedishByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ester" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ester.core.context_processors.ester",
            ],
        },
    }
]

# --- database -------------------------------------------------------------
DATABASE_URL = env_url("ESTER_DATABASE_URL", ("postgres", "postgresql", "sqlite"))
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "ester.sqlite3"),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write
        # lock when a transaction starts, so two writers queue on the busy
        # timeout instead of failing half-way with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
            "PRAGMA cache_size=-20000;"
        ),
    }
    # Tests use a file too (not shared-cache memory), so that threads — the
    # worker's heartbeat, the live server behind the browser tests — see the
    # same WAL database the product runs on.
    # The process id keeps two test runs in one checkout from sharing a file.
    DATABASES["default"].setdefault("TEST", {"NAME": str(DATA_DIR / f"test-ester-{os.getpid()}.sqlite3")})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- background tasks -----------------------------------------------------
TASK_BACKEND = env_choice("ESTER_TASK_BACKEND", "database", ("database", "rq", "immediate"))
REDIS_URL = env_url("ESTER_REDIS_URL", ("redis", "rediss", "unix")) or "redis://127.0.0.1:6379/0"
if TASK_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- authentication -------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
OIDC_ENABLED = env_url("ESTER_OIDC_ISSUER", ("https", "http")) is not None
if OIDC_ENABLED:
    _issuer = (env_str("ESTER_OIDC_ISSUER") or "").rstrip("/")
    INSTALLED_APPS += ["mozilla_django_oidc"]
    AUTHENTICATION_BACKENDS.insert(1, "ester.accounts.oidc.EsterOIDCBackend")
    OIDC_RP_CLIENT_ID = env_required("ESTER_OIDC_CLIENT_ID", "the client id registered at the identity provider")
    OIDC_RP_CLIENT_SECRET = env_secret("ESTER_OIDC_CLIENT_SECRET") or env_required(
        "ESTER_OIDC_CLIENT_SECRET", "the client secret (or ESTER_OIDC_CLIENT_SECRET_FILE)"
    )
    OIDC_RP_SIGN_ALGO = env_choice("ESTER_OIDC_SIGN_ALGO", "RS256", ("RS256", "HS256", "ES256"))
    OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("ESTER_OIDC_AUTHORIZATION_ENDPOINT", f"{_issuer}/authorize")
    OIDC_OP_TOKEN_ENDPOINT = env_str("ESTER_OIDC_TOKEN_ENDPOINT", f"{_issuer}/token")
    OIDC_OP_USER_ENDPOINT = env_str("ESTER_OIDC_USERINFO_ENDPOINT", f"{_issuer}/userinfo")
    OIDC_OP_JWKS_ENDPOINT = env_str("ESTER_OIDC_JWKS_ENDPOINT", f"{_issuer}/jwks")
    OIDC_RP_SCOPES = "openid email profile"
    OIDC_CREATE_USER = env_bool("ESTER_OIDC_CREATE_USERS", False)
    LOGIN_REDIRECT_URL_FAILURE = "/login/"

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = env_int("ESTER_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("ESTER_LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("ESTER_SECURE_COOKIES", not DEBUG and (SITE_URL or "").startswith("https"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = env_int("ESTER_SESSION_HOURS", 10, minimum=1) * 3600

# --- i18n -------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Svenska")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
# Off: years and numbers like 2012 must never render as "2 012"; money uses floatformat:"2g".
USE_THOUSAND_SEPARATOR = False

# --- static and uploaded files -------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env_path("ESTER_STATIC_ROOT", BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "ester" / "static"]
MEDIA_ROOT = env_path("ESTER_MEDIA_ROOT", DATA_DIR / "files")
MEDIA_URL = "/files/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
ESTER_MAX_UPLOAD_BYTES = env_int("ESTER_MAX_UPLOAD_MB", 25, minimum=1, maximum=1024) * 1024 * 1024
# Originals (agreements, case documents): on the filesystem under ESTER_MEDIA_ROOT by default,
# or in an S3-compatible object store (MinIO, Ceph, AWS …) with ESTER_STORAGE=s3.
STORAGE = env_choice("ESTER_STORAGE", "filesystem", ("filesystem", "s3"))
if STORAGE == "s3":
    _default_storage: dict[str, object] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_required("ESTER_S3_BUCKET", "the bucket that holds Ester's documents"),
            "endpoint_url": env_url("ESTER_S3_ENDPOINT_URL", ("https", "http")),
            "region_name": env_str("ESTER_S3_REGION"),
            "access_key": env_secret("ESTER_S3_ACCESS_KEY"),
            "secret_key": env_secret("ESTER_S3_SECRET_KEY"),
            "location": env_str("ESTER_S3_PREFIX", "ester"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ester API",
    "DESCRIPTION": "Ester – ärendehantering och verksamhetsstöd för Serviceförvaltningen.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# --- e-mail -------------------------------------------------------------------
EMAIL_HOST = env_str("ESTER_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = env_int("ESTER_SMTP_PORT", 25, minimum=1, maximum=65535)
DEFAULT_FROM_EMAIL = env_str("ESTER_MAIL_FROM", "ester@serviceforvaltningen.example")
EMAIL_HOST_USER = env_str("ESTER_SMTP_USER", "") or ""
EMAIL_HOST_PASSWORD = env_secret("ESTER_SMTP_PASSWORD") or ""
_smtp_tls = env_choice("ESTER_SMTP_TLS", "none", ("none", "starttls", "ssl"))
EMAIL_USE_TLS = _smtp_tls == "starttls"
EMAIL_USE_SSL = _smtp_tls == "ssl"
# Mail intake acknowledges a new case at most this often per sender and hour (0: never).
ESTER_RECEIPTS_PER_SENDER_PER_HOUR = env_int("ESTER_RECEIPTS_PER_SENDER_PER_HOUR", 5, minimum=0, maximum=1000)

# --- logging --------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"},
    },
    # Personal identity numbers never reach a log line: masked as YYMMDD-**** on every handler
    # (Django's own handlers are replaced below so that none writes unfiltered).
    "filters": {"mask_pii": {"()": "ester.core.pii.MaskPersonalIdentityNumbers"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_pii"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["mask_pii"]},
    },
    "root": {"handlers": ["console"], "level": env_choice("ESTER_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))},
    "loggers": {
        "django": {"level": "INFO"},  # no handlers of its own: to the root's console, masked
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}

ESTER_WORKER_STALE_SECONDS = env_int("ESTER_WORKER_STALE_SECONDS", 120, minimum=5)
ESTER_SWEEP_INTERVAL = env_int("ESTER_SWEEP_INTERVAL", 300, minimum=0)
