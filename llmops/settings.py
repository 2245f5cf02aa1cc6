"""Django settings, read only from environment variables (see ``.env.example``)."""

from __future__ import annotations

from pathlib import Path

from llmops.config.env import (
    cache_from_url,
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_networks,
    env_path,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Everything the embedded default keeps on disk (SQLite file, broker folders, artifacts) lives here.
DATA_DIR = env_path("LLMOPS_DATA_DIR", BASE_DIR / "data")

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("TRUST_X_FORWARDED_PROTO", False) else None
)
# X-Forwarded-For: its first address is the client's, for sign-in throttling (see below).
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "llmops.tenancy",
    "llmops.lineage",
    "llmops.system",
    "llmops.tracing",
    "llmops.prompts",
    "llmops.scores",
    "llmops.evaluation",
    "llmops.tracking",
    "llmops.registry",
    "llmops.webhooks",
    "django_celery_beat",
]
# Covering indexes (INCLUDE columns) serve PostgreSQL; SQLite, the embedded default, builds the
# same index without them, which is what this warning says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

MIDDLEWARE = [
    "llmops.restapi.body_limit.BodyLimitMiddleware",
    # Transient failures (database or broker unavailable, lock timeouts) answer 503 with
    # Retry-After on every route; NUL in a URL answers 400.
    "llmops.restapi.transient.TransientFailureMiddleware",
    "llmops.restapi.url_text.UrlTextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "llmops.restapi.read_lag.ReadsMayLagMiddleware",
]

ROOT_URLCONF = "llmops.urls"
WSGI_APPLICATION = "llmops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'llmops.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # A file, not SQLite's in-memory default, so a Celery worker process started by the tests
    # sees the test database too.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
# A streaming read replica of the primary (PostgreSQL standby) for the reads that may lag: lists,
# metrics, dashboards (llmops/db_routing.py). Unset: every query goes to the primary.
REPLICA_DATABASE_URL = env_str("LLMOPS_REPLICA_DATABASE_URL", "")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = {
        **database_from_url(REPLICA_DATABASE_URL, name="LLMOPS_REPLICA_DATABASE_URL"),
        # Tests create no second database: the alias reads the test database.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["llmops.db_routing.ReadReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The embedded mode (SQLite, bin/start) serves plain http on loopback; everything else is taken
# to be served over HTTPS, where the session and CSRF cookies must never travel in clear.
EMBEDDED = DATABASES["default"]["ENGINE"].endswith("sqlite3")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not EMBEDDED)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SESSION_COOKIE_SECURE)

# Shared by every web worker; sign-in throttling keeps its counters here. Redis when
# LLMOPS_CACHE_URL names one (needed when several machines serve the web); otherwise a folder
# of the data directory, shared by the processes of one machine.
CACHES = {"default": cache_from_url(env_str("LLMOPS_CACHE_URL", ""), folder=DATA_DIR / "cache")}
# Sign-in throttling (llmops/tenancy/signin.py): after this many failed sign-ins for one
# username, or from one client address, each further failure locks it for a wait that doubles
# from LLMOPS_SIGNIN_BACKOFF_SECONDS up to LLMOPS_SIGNIN_BACKOFF_MAX_SECONDS.
SIGNIN_USERNAME_FAILURES = env_int("LLMOPS_SIGNIN_USERNAME_FAILURES", 5, minimum=1)
SIGNIN_ADDRESS_FAILURES = env_int("LLMOPS_SIGNIN_ADDRESS_FAILURES", 20, minimum=1)
SIGNIN_BACKOFF_SECONDS = env_int("LLMOPS_SIGNIN_BACKOFF_SECONDS", 1, minimum=1)
SIGNIN_BACKOFF_MAX_SECONDS = env_int("LLMOPS_SIGNIN_BACKOFF_MAX_SECONDS", 900, minimum=1)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# The built web UI (frontend/dist); WhiteNoise serves its files at the site root.
WEB_UI_DIST = env_path("LLMOPS_WEB_UI_DIST", BASE_DIR / "frontend" / "dist")
WHITENOISE_ROOT = str(WEB_UI_DIST)
STATIC_URL = "static/"
STATIC_ROOT = env_path("LLMOPS_STATIC_ROOT", DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Largest request body accepted anywhere; larger bodies get 413 before any parsing.
MAX_REQUEST_BYTES = env_int("LLMOPS_MAX_REQUEST_BYTES", 10 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
# An OTLP body may be gzip-compressed; this bounds what it may expand to.
OTLP_MAX_DECOMPRESSED_BYTES = env_int(
    "LLMOPS_OTLP_MAX_DECOMPRESSED_BYTES", 64 * 1024 * 1024, minimum=1024
)
# Most spans one OTLP export may carry; a larger batch gets 413 naming this setting (exporters do
# not retry 413). The OTel SDK exports 512 at a time; 5000 completes well within gunicorn's 30 s
# worker timeout on a slow machine (docs/architecture.md, Ingest).
OTLP_MAX_SPANS = env_int("LLMOPS_OTLP_MAX_SPANS", 5000, minimum=1)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "llmops.tenancy.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # One check for every view: the action it declares (llmops.tenancy.access).
    "DEFAULT_PERMISSION_CLASSES": ["llmops.tenancy.api.access_check.DeclaredAccess"],
    # JSON nested at most 100 levels deep, with no NUL or lone surrogate in any string or key.
    "DEFAULT_PARSER_CLASSES": ["llmops.restapi.json_limits.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "llmops.restapi.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "LLMOps platform API",
    "DESCRIPTION": (
        "Tracing, prompt versioning, evaluation and a model registry on one lineage graph. "
        "Authenticate with `Authorization: Bearer <secret key>` or HTTP Basic `public:secret`."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI assets come from an installed package: the docs page needs no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Pinned names of enums that share a field name ("source") across schemas, so adding one
    # does not rename another in the published schema and the clients generated from it.
    "ENUM_NAME_OVERRIDES": {"SourceEnum": "llmops.scores.models.Source"},
}

# Celery. The embedded default is a broker kept in folders of the data directory, so the platform
# starts with no Redis; production sets CELERY_BROKER_URL to Redis.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = DATA_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 30
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Evaluation schedules are rows (django-celery-beat), so they change without restarting beat.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = env_int("LLMOPS_BEAT_MAX_LOOP_SECONDS", 5, minimum=1)
# How often beat asks a worker to prove it is alive (seconds).
WORKER_HEARTBEAT_SECONDS = env_int("LLMOPS_WORKER_HEARTBEAT_SECONDS", 30, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "system.heartbeat", "schedule": float(WORKER_HEARTBEAT_SECONDS)},
    "trace-retention": {
        "task": "tracing.apply_retention",
        "schedule": float(env_int("LLMOPS_RETENTION_INTERVAL_SECONDS", 3600, minimum=60)),
    },
    # Span partitions for the days ahead are created before spans arrive for them
    # (llmops/tracing/partitions.py); the retention task drops whole expired ones.
    "span-partitions": {
        "task": "tracing.maintain_partitions",
        "schedule": float(env_int("LLMOPS_PARTITION_INTERVAL_SECONDS", 3600, minimum=60)),
    },
    # Merges the per-batch rollup rows of each key into one (llmops/tracing/rollups.py).
    "rollup-compaction": {
        "task": "tracing.compact_rollups",
        "schedule": float(env_int("LLMOPS_ROLLUP_COMPACTION_SECONDS", 60, minimum=5)),
    },
    "evaluation-resume-stalled": {
        "task": "evaluation.resume_stalled",
        "schedule": float(env_int("LLMOPS_EVAL_WATCHDOG_SECONDS", 10, minimum=1)),
    },
}

# Evaluation runs: a run's items are split into this many lanes, processed in parallel (each
# lane by one worker process at a time, in chunks), sharing the provider's concurrency.
EVAL_LANES = env_int("LLMOPS_EVAL_LANES", 2, minimum=1)
EVAL_CHUNK_SIZE = env_int("LLMOPS_EVAL_CHUNK_SIZE", 50, minimum=1)
# A lane whose task has not reported for this long (its worker was killed) is handed to a new
# task; the finished items stay, the new task does the rest.
EVAL_STALL_SECONDS = env_int("LLMOPS_EVAL_STALL_SECONDS", 120, minimum=1)
# Experiment-run artifacts: the data folder by default; any S3-compatible store when a bucket
# is named (django-storages).
ARTIFACTS_S3_BUCKET = env_str("LLMOPS_ARTIFACTS_S3_BUCKET", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "artifacts": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": ARTIFACTS_S3_BUCKET,
                "endpoint_url": env_str("LLMOPS_ARTIFACTS_S3_ENDPOINT_URL", "") or None,
                "location": env_str("LLMOPS_ARTIFACTS_S3_PREFIX", "artifacts"),
            },
        }
        if ARTIFACTS_S3_BUCKET
        else {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(DATA_DIR / "artifacts")},
        }
    ),
}
# Outbound calls on a user's behalf (webhooks) refuse loopback, private, link-local and other
# non-public addresses (llmops.webhooks.egress); these comma-separated CIDRs are allowed all
# the same, for self-hosters whose receivers live on their own network.
LLMOPS_EGRESS_ALLOW = env_networks("LLMOPS_EGRESS_ALLOW")
# Encrypts provider API keys at rest; SECRET_KEY is used when this is empty.
LLMOPS_ENCRYPTION_KEY = env_str("LLMOPS_ENCRYPTION_KEY", "")

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # A line per provider call would cost evaluation runs more than the calls' own work.
        **{name: {"level": "WARNING"} for name in ("httpx", "httpx2", "httpcore", "openai")},
    },
}
