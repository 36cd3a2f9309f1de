"""Settings for the R2P early-warning workflow.

One module, read from the environment. The defaults run on one machine with no
server (SQLite, kombu's filesystem transport); DATABASE_URL and CELERY_BROKER_URL
point the same code at PostgreSQL and Redis.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import xstatic.pkg.bootstrap
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def read_env_file(path: Path) -> None:
    """Take ``KEY=VALUE`` lines of a local env file as defaults: the environment wins.

    ``make run`` writes ``.env`` (DEBUG=true) so that the README's commands work in a plain
    shell on a trial machine; a production host has no such file and sets its environment.
    """
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _sep, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip("\"'"))


read_env_file(Path(os.environ.get("R2P_ENV_FILE", BASE_DIR / ".env")))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# Where local state lives (SQLite files, the filesystem broker, logs).
DATA_DIR = Path(env_str("R2P_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if DEBUG:
    SECRET_KEY = SECRET_KEY or "insecure-local-development-key-never-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]
else:
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must list the served host names when DEBUG is off."
        )

INSTALLED_APPS = [
    "r2p_project.apps.R2PAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "django_countries",
    "django_filters",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "audit",
    "accounts",
    "framework",
    "assessments",
    "forecasts",
    "webhooks",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "r2p_project.security.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "r2p_project.digits.ArabicDigitsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.languages.UserLanguageMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.sessions.SessionTimeoutMiddleware",
    "accounts.mfa.MFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "r2p_project.errors.FriendlyErrorsMiddleware",
    # Last, as django-axes asks: it answers a locked-out sign-in with the lockout page.
    "axes.middleware.AxesMiddleware",
]
CSRF_FAILURE_VIEW = "r2p_project.errors.csrf_failure"

ROOT_URLCONF = "r2p_project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "accounts.context_processors.unread_notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "r2p_project.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures in a row for one
# username, or from one address, signing in is refused for AXES_COOLOFF_MINUTES, whether the
# account exists or not; a success resets the count. A framework admin unlocks in the admin
# ("Access attempts"). Behind a proxy, REMOTE_ADDR must be the client's (the proxy sets it).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out"
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
# The six official languages of the United Nations, each named in its own language.
LANGUAGES = [
    ("ar", "العربية"),
    ("zh-hans", "中文"),
    ("en", "English"),
    ("fr", "Français"),
    ("ru", "Русский"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Digits of Arabic pages: "latin" (as Django's Arabic formats write them) or "arabic-indic"
# (r2p_project/digits.py).
ARABIC_DIGITS = env_str("ARABIC_DIGITS", "latin")
if ARABIC_DIGITS not in ("latin", "arabic-indic"):
    raise ImproperlyConfigured("ARABIC_DIGITS must be latin or arabic-indic.")
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Webhook endpoints must be https://; plain http:// only where this is on (local trials).
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", DEBUG)

# The latest "as of" date an assessment may have: today plus this many days (time zones, an
# assessment dated for the next day's meeting). See assessments/limits.py for every bound.
AS_OF_MAX_DAYS_AHEAD = env_int("AS_OF_MAX_DAYS_AHEAD", 7)
# External forecasts (forecasts/): a situation is flagged when its country is within the top
# FORECAST_TOP_RANK of a forecast while the analysts rate it low, or when the analysts rate it
# imminent risk or current crisis while the forecast ranks it below FORECAST_LOW_RANK.
FORECAST_TOP_RANK = env_int("FORECAST_TOP_RANK", 30)
FORECAST_LOW_RANK = env_int("FORECAST_LOW_RANK", 100)
# Response actions opened by an approval are due this many days after it: the approved rung
# of the escalation ladder (alerting the Special Adviser, ...) sooner than the tools.
RESPONSE_TOOL_DUE_DAYS = env_int("RESPONSE_TOOL_DUE_DAYS", 30)
RESPONSE_ESCALATION_DUE_DAYS = env_int("RESPONSE_ESCALATION_DUE_DAYS", 7)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "r2p-early-warning@localhost")

# Security: strict by default when DEBUG is off; each can be relaxed by the environment
# (for instance behind a TLS-terminating proxy that already redirects).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere, and nothing from another origin: the scripts and styles
# are the app's own static files. A nonce is available ({{ request.csp_nonce }}) where an
# inline script cannot be avoided; none is used today.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# A second factor (accounts/mfa.py): "roles" makes reviewers and framework admins set one
# up, "all" everyone, "none" nobody. MFA_EXEMPT_USERS: accounts never asked (make run's demo
# accounts, for a local trial; empty by default).
MFA_REQUIRED = env_str("MFA_REQUIRED", "roles")
MFA_EXEMPT_USERS = env_list("MFA_EXEMPT_USERS", [])
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "R2P early warning")
# One person may hold both the Analysts and the Reviewers role only if this is on (the
# four-eyes rule); even then nobody reviews their own assessment.
ALLOW_ANALYST_AND_REVIEWER = env_bool("ALLOW_ANALYST_AND_REVIEWER", False)
# Security keys (accounts/webauthn.py). The relying party is the host the user signed in at
# (checked against ALLOWED_HOSTS); a key answers only the origins of WEBAUTHN_ORIGINS, by
# default https:// and each host of ALLOWED_HOSTS. Under DEBUG the request's own origin is
# accepted too, whatever its port (make run, the tests' live server).
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
OTP_WEBAUTHN_RP_ID_CALLABLE = "accounts.webauthn.relying_party_id"
OTP_WEBAUTHN_HELPER_CLASS = "accounts.webauthn.Helper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "WEBAUTHN_ORIGINS",
    [f"https://{host}" for host in ALLOWED_HOSTS if host[:1] not in ".*[" and host != "testserver"]
    or ["http://localhost"],
)

# Sessions end after SESSION_IDLE_MINUTES without a request (the session's age, renewed
# once a minute while used: accounts/sessions.py) and SESSION_ABSOLUTE_MINUTES after the
# sign-in, however active.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_ABSOLUTE_TIMEOUT_MINUTES = env_int("SESSION_ABSOLUTE_MINUTES", 8 * 60)

# Celery. The default transport is kombu's filesystem transport: a real broker
# that needs no server, for one machine. Set CELERY_BROKER_URL=redis://... to scale.
CELERY_QUEUE_DIR = DATA_DIR / "celery" / "queue"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_QUEUE_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(CELERY_QUEUE_DIR),
        "data_folder_out": str(CELERY_QUEUE_DIR),
        "control_folder": str(DATA_DIR / "celery" / "control"),
        "store_processed": False,
        "polling_interval": float(env_str("CELERY_POLLING_INTERVAL", "0.2")),
    }
    _default_result_backend = f"file://{DATA_DIR / 'celery' / 'results'}"
    (DATA_DIR / "celery" / "results").mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A message not acknowledged within this time is delivered again (acks_late).
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
        "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
    }
    _default_result_backend = CELERY_BROKER_URL
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", _default_result_backend)
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A worker keeps its database connection from one task to the next, as a web process does
# between requests (Celery otherwise closes it after every task, and each task pays for a new
# connection and a new server process with cold caches); Django's own rules (CONN_MAX_AGE, a
# connection that failed) close it before each task (r2p_project/celery.py), and Celery
# recycles it after this many tasks anyway.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)

# Escalation summaries: drafting limits, the drafter's lease and the sweeper.
SUMMARY_TIME_LIMIT = env_int("SUMMARY_TIME_LIMIT", 120)
SUMMARY_SOFT_TIME_LIMIT = env_int("SUMMARY_SOFT_TIME_LIMIT", SUMMARY_TIME_LIMIT - 10)
SUMMARY_MAX_RETRIES = env_int("SUMMARY_MAX_RETRIES", 5)
SUMMARY_LEASE_SECONDS = env_int("SUMMARY_LEASE_SECONDS", SUMMARY_TIME_LIMIT + 30)
SUMMARY_STUCK_AFTER_SECONDS = env_int("SUMMARY_STUCK_AFTER_SECONDS", 120)
SUMMARY_SWEEP_INTERVAL_SECONDS = env_int("SUMMARY_SWEEP_INTERVAL_SECONDS", 60)
# Emails are tasks of their own, retried with exponential backoff (30 s, 1 min, ... 1 h).
EMAIL_MAX_RETRIES = env_int("EMAIL_MAX_RETRIES", 10)
_visibility = CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout")
if isinstance(_visibility, int) and _visibility <= SUMMARY_TIME_LIMIT:
    raise ImproperlyConfigured(
        "SUMMARY_TIME_LIMIT must be below the broker's visibility timeout "
        "(CELERY_VISIBILITY_TIMEOUT), or a task still running would be delivered twice."
    )
if not 0 < SUMMARY_SOFT_TIME_LIMIT < SUMMARY_TIME_LIMIT:
    raise ImproperlyConfigured("SUMMARY_SOFT_TIME_LIMIT must be between 0 and SUMMARY_TIME_LIMIT.")

CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-summaries": {
        "task": "assessments.sweep_stuck_summaries",
        "schedule": float(SUMMARY_SWEEP_INTERVAL_SECONDS),
    },
    "overdue-reminders": {
        "task": "assessments.send_overdue_reminders",
        "schedule": crontab(hour=6, minute=0),
    },
    "action-reminders": {
        "task": "assessments.send_action_reminders",
        "schedule": crontab(hour=6, minute=15),
    },
    "review-digest": {
        "task": "assessments.send_review_digest",
        "schedule": crontab(hour=7, minute=0),
    },
    "sweep-webhook-deliveries": {"task": "webhooks.sweep_deliveries", "schedule": 60.0},
}

# The cache holds short-lived counts (the API's rates): each process's memory, or one Redis
# that every web process shares (CACHE_URL=redis://host:6379/2).
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# The API (api/): personal tokens or the browser's session (with CSRF); JSON only. Rates per
# token and per user ("<n>/<second|minute|hour|day>"); over it, 429 with Retry-After. The
# counts live in the cache (above).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.authentication.TokenScope",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.NulFreeJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerToken", "api.throttling.PerUser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_THROTTLE_RATES = {
    "token": env_str("API_RATE_PER_TOKEN", "1000/hour"),
    "user": env_str("API_RATE_PER_USER", "3000/hour"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "R2P early warning API",
    "DESCRIPTION": (
        "Situations, assessments against the UN Framework of Analysis for Atrocity Crimes, "
        "their escalation summaries and decisions, the watch, the reference data and external "
        "forecasts. Authenticate with a personal token (Authorization: Bearer <token>) made "
        "on your profile's API tokens page; each token sees exactly what its user sees."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.examples.attach_examples",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AssessmentStatusEnum": "assessments.models.AssessmentStatus",
        "LevelEnum": "assessments.scales.LEVEL_CHOICES",
        "EscalationEnum": "assessments.scales.ESCALATION_CHOICES",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
