"""The one settings module. Every knob is an environment variable (see ``.env.example``).

Defaults are the production-safe ones: DEBUG off, secure cookies, strict hosts.
The local launcher (``python -m crms.stack``) sets the development values.
"""

from __future__ import annotations

from pathlib import Path

from celery.schedules import crontab

from crms.env import (
    celery_broker_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    parse_database_url,
    parse_redis_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CRMS_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-change-me" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "crms.core",
    "crms.accounts",
    "crms.reference",
    "crms.audit",
    "crms.operators",
    "crms.declarations",
    "crms.learning",
    "crms.search",
    "risk_engine",
    "workbench",
    "indicators",
    "rif",
    "pca",
    "notifications",
    "exchange",
    "selection",
    "analysis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "crms.core.middleware.ApiErrorsMiddleware",  # outside everything that can fail (a bad Host in Common...)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crms.core.middleware.CommonMiddleware",  # Django's, with a 308 for the trailing slash
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "crms.core.middleware.LoginRequiredMiddleware",
    "crms.core.middleware.SecurityHeadersMiddleware",
    "crms.core.middleware.UrlLengthMiddleware",  # after the headers: its 414 gets them too
    "crms.core.middleware.RefuseNulCharactersMiddleware",
    "crms.core.middleware.RefusedDatesMiddleware",
]

ROOT_URLCONF = "crms.urls"
WSGI_APPLICATION = "crms.wsgi.application"
ASGI_APPLICATION = "crms.asgi.application"

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
                "crms.core.context_processors.navigation",
                "rif.context_processors.notifications",
            ],
        },
    },
]

# --- Data stores ---------------------------------------------------------------------------
DATABASE_URL = parse_database_url("DATABASE_URL", env_str("DATABASE_URL", "postgres://localhost/crms"))
DATABASES = {"default": DATABASE_URL.as_django()}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Optional read replica for indicators, backtests and training (crms/core/replica.py, docs/operations.md).
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = parse_database_url("DATABASE_REPLICA_URL", env_str("DATABASE_REPLICA_URL", "")).as_django()
    DATABASES["replica"] |= {"CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"], "CONN_HEALTH_CHECKS": True}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["crms.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = parse_redis_url("REDIS_URL", env_str("REDIS_URL", "redis://localhost:6379/0"))
CACHES = {
    "default": {
        "BACKEND": "crms.core.redis_cache.SharedClientRedisCache",  # one redis client per pool (issue 17)
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "crms",
        "TIMEOUT": 300,
    }
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
CELERY_RESULT_BACKEND = celery_broker_url(REDIS_URL)
CELERY_TASK_ACKS_LATE = True  # a task a killed worker had taken is redelivered, not lost
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task taken by a worker that died is handed out again after this long...
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600, minimum=30),
    # ...checked every 10 s by each worker: kombu's default throttle scans only every 10th check (100 s).
    "unacked_restore_throttle": 1,
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
# Backtests run on their own queue, consumed by their own worker process (`make run` starts it), so a
# heavy backtest never holds the processes that screen declarations (issue 13 point 4).
CELERY_BACKTEST_QUEUE = env_str("CELERY_BACKTEST_QUEUE", "backtests")
# Learning from history (price baselines, credibility bounds) is heavy too: it has a queue of its own, so
# a deployment can give it its own workers (docker-compose.yml's `training`); `make run`'s backtest
# worker serves both queues on a 2-core machine.
CELERY_TRAINING_QUEUE = env_str("CELERY_TRAINING_QUEUE", "training")
CELERY_TASK_ROUTES = {
    "risk_engine.run_backtest": {"queue": CELERY_BACKTEST_QUEUE},
    "risk_engine.learn_credibility_bounds": {"queue": CELERY_TRAINING_QUEUE},
    "learning.compute_price_baselines": {"queue": CELERY_TRAINING_QUEUE},
}
BACKTEST_SOFT_TIME_LIMIT = env_int("BACKTEST_SOFT_TIME_LIMIT", 600, minimum=5, maximum=24 * 3600)
BACKTEST_TIME_LIMIT = BACKTEST_SOFT_TIME_LIMIT + 30  # the pool process is killed if the soft limit went unheard
BACKTESTS_PER_USER = env_int("BACKTESTS_PER_USER", 1, minimum=1, maximum=100)  # queued or running at once
BACKTEST_QUEUE_TIMEOUT = env_int("BACKTEST_QUEUE_TIMEOUT", 3600, minimum=60)  # queued longer: lost, not counted
CELERY_TASK_ANNOTATIONS = {
    "risk_engine.run_backtest": {
        "soft_time_limit": BACKTEST_SOFT_TIME_LIMIT,
        "time_limit": BACKTEST_TIME_LIMIT,
        # A backtest whose process died is not run again (it could be what killed it): its row says so.
        "reject_on_worker_lost": False,
    }
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2  # a filing never waits long on a broker that is down
CELERY_TASK_PUBLISH_RETRY = False
SWEEP_INTERVAL_SECONDS = env_int("SWEEP_INTERVAL_SECONDS", 30, minimum=1, maximum=3600)
# How often beat runs the webhook sweeper (notifications.delivery), in seconds.
WEBHOOK_SWEEP_SECONDS = env_int("WEBHOOK_SWEEP_SECONDS", 5, minimum=1, maximum=3600)
CELERY_BEAT_SCHEDULE = {
    "sweep-pending-screening": {"task": "risk_engine.sweep_pending", "schedule": float(SWEEP_INTERVAL_SECONDS)},
    "learn-credibility-bounds": {"task": "risk_engine.learn_credibility_bounds", "schedule": 24 * 3600.0},
    "housekeeping": {"task": "crms.housekeeping", "schedule": 24 * 3600.0},
    # Nightly, 02:30 UTC: the value-per-kg price baselines (crms.learning.prices); rewritten only when they change.
    "learning-price-baselines": {"task": "learning.compute_price_baselines", "schedule": crontab(hour=2, minute=30)},
    "indicators-refresh-recent": {"task": "indicators.refresh_recent", "schedule": 300.0},
    "indicators-refresh-period": {"task": "indicators.refresh_period", "schedule": 24 * 3600.0},
    "notifications-deliver": {
        "task": "notifications.deliver",
        "schedule": float(WEBHOOK_SWEEP_SECONDS),
        "options": {"expires": float(WEBHOOK_SWEEP_SECONDS)},  # a sweep not started in time is dropped
    },
}

# --- Risk engine ------------------------------------------------------------------------------
SCREENING_BATCH_SIZE = env_int("SCREENING_BATCH_SIZE", 500, minimum=1, maximum=20_000)
# Filings of fewer versions than this (single POSTs) are gathered in Redis and screened together by
# one drain task (risk_engine/coalescing.py, issue 17); 0 sends every filing as its own task.
SCREENING_COALESCE_BELOW = env_int("SCREENING_COALESCE_BELOW", 50, minimum=0, maximum=20_000)
SWEEP_AFTER_SECONDS = env_int("SWEEP_AFTER_SECONDS", 60, minimum=5)
# Fault tests only: screening fails for declarations whose LRN starts with this (empty: off).
FAULT_INJECTION_POISON_LRN_PREFIX = env_str("FAULT_INJECTION_POISON_LRN_PREFIX", "")
# Learned scoring: a worker counts the parties' past control results again after this many seconds
# (crms/learning/behaviour.py); 0 counts them for every batch (tests).
LEARNED_BEHAVIOUR_MAX_AGE_SECONDS = env_int("LEARNED_BEHAVIOUR_MAX_AGE_SECONDS", 300, minimum=0, maximum=86_400)

# --- Workbench --------------------------------------------------------------------------------
CASE_CLAIM_MINUTES = env_int("CASE_CLAIM_MINUTES", 60, minimum=1, maximum=24 * 60)
QUEUE_REFRESH_SECONDS = env_int("QUEUE_REFRESH_SECONDS", 15, minimum=2, maximum=600)
# An ICS2 referral (RFI, screening, do not load) still unanswered this long after its question is overdue.
REFERRAL_OVERDUE_MINUTES = env_int("REFERRAL_OVERDUE_MINUTES", 60, minimum=1, maximum=7 * 24 * 60)

# --- Notifications: webhooks (notifications.delivery, notifications.targets) ----------------------------------
# A failing delivery is retried with exponential back-off (base doubling up to the maximum) for this long
# before the event becomes a dead letter and the subscription moves on; the contract asks for at least 24 h.
WEBHOOK_RETRY_SECONDS = env_int("WEBHOOK_RETRY_SECONDS", 24 * 3600, minimum=24 * 3600)
WEBHOOK_BACKOFF_BASE_SECONDS = env_int("WEBHOOK_BACKOFF_BASE_SECONDS", 10, minimum=1, maximum=3600)
WEBHOOK_BACKOFF_MAX_SECONDS = env_int("WEBHOOK_BACKOFF_MAX_SECONDS", 3600, minimum=1, maximum=6 * 3600)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1, maximum=60)
# Receivers on loopback (127.0.0.0/8, ::1) are refused unless this is on: tests and local development only.
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", DEBUG)
# Private networks a deployment may deliver to (comma-separated CIDRs, e.g. a national system on 10.20.0.0/16);
# every other private, link-local, reserved or multicast address is refused.
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS", [])

# --- Data retention -----------------------------------------------------------------------------
# Personal data in declarations (party names, addresses, EORIs of persons) is pseudonymised this many
# days after receipt; goods, routes, assessments, decisions and controls stay for the statistics.
PERSONAL_DATA_RETENTION_DAYS = env_int("PERSONAL_DATA_RETENTION_DAYS", 3 * 365, minimum=30)
# Audit entries older than this are purged by the same job (0 keeps them for ever).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 10 * 365, minimum=0)
# Whole months of declarations (versions, parties, goods, assessments, hits and what points at them) are
# dropped by partition once this many full months have passed (0 keeps them: the default, as statistics,
# training and backtests read them). crms/declarations/partitions.py.
DECLARATION_RETENTION_MONTHS = env_int("DECLARATION_RETENTION_MONTHS", 0, minimum=0, maximum=1200)

# --- Indicators and criteria evaluation ---------------------------------------------------------
INDICATORS_REFRESH_DAYS = env_int("INDICATORS_REFRESH_DAYS", 400, minimum=1, maximum=3660)
# High-interest countries are reference data the Commission maintains (crms.reference.HighInterestCountry).
# Default deadline of an information request between Member States, in days (the asker may set another).
INFORMATION_REQUEST_ANSWER_DAYS = env_int("INFORMATION_REQUEST_ANSWER_DAYS", 14, minimum=1, maximum=365)
EVAL_MIN_HITS = env_int("EVAL_MIN_HITS", 10, minimum=0)
EVAL_MIN_CONTROLS = env_int("EVAL_MIN_CONTROLS", 5, minimum=1)
EVAL_MIN_PRECISION_PCT = env_int("EVAL_MIN_PRECISION_PCT", 5, minimum=0, maximum=100)
EVAL_MAX_HITS_PER_1000_ENS = env_int("EVAL_MAX_HITS_PER_1000_ENS", 50, minimum=1)

# --- Risk information (RIF), crises and PCAs ---------------------------------------------------
RIF_FOLLOW_UP_DAYS = env_int("RIF_FOLLOW_UP_DAYS", 14, minimum=0, maximum=365)
RIF_ATTACHMENT_MAX_BYTES = env_int("RIF_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["crms.accounts.backends.ParticipantModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Security -------------------------------------------------------------------------------
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SECURE_SSL_REDIRECT = SECURE_HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts and styles from our own static files; inline style attributes are allowed (templates use a few),
# inline scripts and eval are not. The Swagger UI page gets its own, looser policy (see crms/core/api).
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)

# --- Abuse limits -----------------------------------------------------------------------------
# Requests per API token (a batch of 1,000 ENS is one request), and failed logins per username and address.
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "6000/min")
# National systems' tokens: a Member State's customs system files single ENS at hundreds a second
# (issue 17's target, 500/s); twice that, so the limit stops a runaway client, not the traffic.
API_RATE_LIMIT_NATIONAL_SYSTEM = env_str("API_RATE_LIMIT_NATIONAL_SYSTEM", "60000/min")
LOGIN_FAILURES_ALLOWED = env_int("LOGIN_FAILURES_ALLOWED", 5, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900, minimum=10)
X_FRAME_OPTIONS = "DENY"
# Request body limits: one ENS (up to 999 goods items) and one batch (up to 1,000 ENS). Larger -> 413.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 4 * 1024 * 1024, minimum=1024)
MAX_BATCH_REQUEST_BYTES = env_int("MAX_BATCH_REQUEST_BYTES", 32 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(MAX_REQUEST_BYTES, MAX_BATCH_REQUEST_BYTES)
# Path and query string together; longer -> 414 (gunicorn itself refuses request lines over 8,190 bytes).
MAX_URL_LENGTH = env_int("MAX_URL_LENGTH", 4096, minimum=256, maximum=8000)
CSRF_FAILURE_VIEW = "crms.core.views.csrf_failure"

# --- I18N / time ------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# English is the only language so far; the interface is ready for more (docs/decisions.md, i14-i18n).
LANGUAGES = [("en-gb", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
# Uploaded files (RIF attachments): never served directly, only through views that check access.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names need `collectstatic`; tests and DEBUG serve files from the source folders.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATICFILES_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crms.accounts.authentication.ParticipantTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["crms.core.api.parsers.JsonParser"],
    # JSON only (contract 1): DRF's browsable HTML pages were served on "Accept: text/html" and "?format=api".
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crms.core.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": ["crms.core.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": API_RATE_LIMIT},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Customs Risk Management Platform API",
    "DESCRIPTION": (
        "External contract v1: entry summary declarations (ENS) from national customs systems, "
        "common risk criteria and national risk profiles, and their assessments. "
        "Authenticate with `Authorization: Token <key>` (see `manage.py add_user --token`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "OAS_VERSION": "3.1.0",  # pydantic's JSON Schema (nullable as type "null") is valid 3.1
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "crms.core.api.pydantic_schema.add_pydantic_components",
    ],
    # Swagger UI served from our own static files, not a CDN (works offline, fits a strict CSP).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
