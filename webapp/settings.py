"""Soft Prompt Studio settings: every value comes from the environment.

The defaults suit `make run` on one machine (private PostgreSQL and Redis under
`.run/`, see bin/services). A malformed value stops start-up with a message that
names the variable. The README's configuration table lists every variable.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from webapp.lib.env import (
    check_redis_url,
    env_bool,
    env_bytes,
    env_int,
    env_list,
    env_networks,
    env_str,
    media_storage_settings,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is empty: set SECRET_KEY (or SECRET_KEY_FILE), or DEBUG=1 for development")
    SECRET_KEY = "insecure-development-key"  # noqa: S105 - only ever used with DEBUG on
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("SITE_NAME", "Soft Prompt Studio")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "template_partials",
    "channels",
    # Django Ninja: the API (webapp/api/main.py); its Swagger UI assets come from its static files.
    "ninja",
    # Our apps in their order (README, "Architecture"): each imports only those listed before it.
    "webapp.accounts",
    "webapp.basemodels",
    "webapp.datasets",
    "webapp.prompts",
    "webapp.jobs",
    "webapp.evaluations",
    "webapp.ensembles",
    "webapp.sweeps",
    "webapp.api",
    "webapp.core",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outermost of ours: every API error, outages included, leaves in the one JSON shape.
    "webapp.api.middleware.ApiErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before anything reads the body (CSRF reads the form in process_view, after every __call__).
    "webapp.core.middleware.RequestSizeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "webapp.core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "webapp.urls"
ASGI_APPLICATION = "webapp.asgi.application"
WSGI_APPLICATION = None

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
                "webapp.core.context_processors.site",
            ],
        },
    }
]

# PostgreSQL everywhere, tests included: behaviour we rely on (row locks,
# atomic claims with UPDATE ... WHERE status) differs on SQLite.
DATABASE_URL = env_str("DATABASE_URL", "postgres://sps:sps@127.0.0.1:54329/soft_prompt_studio")
_db = parse_database_url("DATABASE_URL", DATABASE_URL)
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.name,
        "USER": _db.user,
        "PASSWORD": _db.password,
        "HOST": _db.host,
        "PORT": _db.port,
        "OPTIONS": _db.options,
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 0, minimum=0),
        "TEST": {"NAME": env_str("TEST_DATABASE_NAME", f"test_{_db.name}")},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = check_redis_url("REDIS_URL", env_str("REDIS_URL", "redis://127.0.0.1:63799/0"))

# A websocket's consumer waits on Redis with a blocking pop of 5 s (channels_redis'
# brpop_timeout); redis-py's socket timeout must be longer, or every idle socket
# dies with a read timeout (1011) after ~5 s. Connecting gets its own short bound.
CHANNELS_REDIS_SOCKET_TIMEOUT = 15
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": REDIS_URL, "socket_timeout": CHANNELS_REDIS_SOCKET_TIMEOUT,
                       "socket_connect_timeout": 5}],
            "prefix": env_str("CHANNELS_PREFIX", "sps-asgi"),
        },
    }
}

# Celery. Training runs long: with acks_late the broker re-delivers a task that
# is still unacknowledged after visibility_timeout, so it must exceed the task's
# hard time limit or every long job would run twice.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 24 * 3600, minimum=1)
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 3600, minimum=1)
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT and not env_bool("CELERY_ALLOW_SHORT_VISIBILITY", False):
    raise ImproperlyConfigured(
        f"CELERY_VISIBILITY_TIMEOUT={CELERY_VISIBILITY_TIMEOUT} must exceed CELERY_TASK_TIME_LIMIT="
        f"{CELERY_TASK_TIME_LIMIT}, or long tasks are delivered twice"
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_DEFAULT_QUEUE = "default"
# Training and evaluation hold a model in (GPU) memory: they go to workers that
# consume the `gpu` queue; everything light stays on `default`.
CELERY_GPU_QUEUE = env_str("CELERY_GPU_QUEUE", "gpu")
CELERY_TASK_ROUTES = {"workers.tasks.gpu_*": {"queue": CELERY_GPU_QUEUE}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that sends a task must not hang on a broker that is down: one quick retry, then
# the row waits for the reconciler.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
WORKER_HEARTBEAT_INTERVAL = env_int("WORKER_HEARTBEAT_INTERVAL", 10, minimum=1)
WORKER_HEARTBEAT_TIMEOUT = env_int("WORKER_HEARTBEAT_TIMEOUT", 60, minimum=2)
# A running job's own heartbeat: written by a thread beside the training loop, so
# a long step or model load does not look like a dead worker.
JOB_HEARTBEAT_INTERVAL = env_int("JOB_HEARTBEAT_INTERVAL", 5, minimum=1)
JOB_HEARTBEAT_TIMEOUT = env_int("JOB_HEARTBEAT_TIMEOUT", 60, minimum=2)
# How long a job whose worker died waits for any worker to come back before it is failed.
JOB_ORPHAN_TIMEOUT = env_int("JOB_ORPHAN_TIMEOUT", 600, minimum=1)
# Celery beat settles jobs of dead workers this often, whether or not a page is open.
JOB_REAP_INTERVAL = env_int("JOB_REAP_INTERVAL", 30, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "settle-jobs-of-dead-workers": {
        "task": "workers.tasks.settle_jobs_of_dead_workers_task",
        "schedule": float(JOB_REAP_INTERVAL),
        # A run that waited longer than one interval is superseded by the next.
        "options": {"queue": CELERY_TASK_DEFAULT_QUEUE, "expires": float(JOB_REAP_INTERVAL)},
    },
}
# A running job retries its database writes (progress, log, result) with backoff for this
# long while PostgreSQL is unavailable, instead of failing; past it the job fails as before.
JOB_DB_RETRY_SECONDS = env_int("JOB_DB_RETRY_SECONDS", 300, minimum=0)
# The same for the object store (MEDIA_STORAGE=s3): a job's data and its new version wait this long.
JOB_STORAGE_RETRY_SECONDS = env_int("JOB_STORAGE_RETRY_SECONDS", 300, minimum=0)
# Queued work whose message is in no queue this long after it was sent is sent again
# (a broker that restarted empty, or was down when the work was created).
RESEND_LOST_WORK_AFTER = env_int("RESEND_LOST_WORK_AFTER", 60, minimum=1)
CELERY_BEAT_SCHEDULE["resend-lost-work"] = {
    "task": "workers.tasks.resend_lost_work_task",
    "schedule": float(RESEND_LOST_WORK_AFTER),
    "options": {"queue": CELERY_TASK_DEFAULT_QUEUE, "expires": float(RESEND_LOST_WORK_AFTER)},
}
# Uploads abandoned on the mapping page (and rejected ones nobody fixed) are removed after
# datasets.services.UPLOAD_TTL; beat sweeps for them this often, so they go even when nobody uploads.
STAGING_SWEEP_INTERVAL = env_int("STAGING_SWEEP_INTERVAL", 3600, minimum=60)
CELERY_BEAT_SCHEDULE["sweep-stale-uploads"] = {
    "task": "workers.tasks.sweep_stale_uploads_task",
    "schedule": float(STAGING_SWEEP_INTERVAL),
    "options": {"queue": CELERY_TASK_DEFAULT_QUEUE, "expires": float(STAGING_SWEEP_INTERVAL)},
}
# Live progress: at most this many websocket updates (and chart points) per second per job.
JOB_PROGRESS_MAX_RATE = env_int("JOB_PROGRESS_MAX_RATE", 4, minimum=1)

MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media"))).resolve()
MEDIA_URL = "/media/"
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "local").strip().lower()
# With MEDIA_STORAGE=s3, what a job needs is fetched into this per-machine cache (keyed by content)
# and MEDIA_ROOT is only this machine's scratch space; both stay on the machine.
LOCAL_CACHE_DIR = Path(env_str("LOCAL_CACHE_DIR", str(BASE_DIR / ".run" / "media-cache"))).resolve()
LOCAL_CACHE_MAX_BYTES = env_bytes("LOCAL_CACHE_MAX_BYTES", 20 * 1024**3)
MODEL_CACHE_DIR = Path(env_str("MODEL_CACHE_DIR", str(BASE_DIR / ".run" / "models"))).resolve()
UPLOAD_MAX_BYTES = env_bytes("UPLOAD_MAX_BYTES", 200 * 1024**2)
# Django's cache is Redis, shared by every web process: the login throttle counts there.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "sps-cache",
        "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
    }
}
# Failed logins per account and per address before a pause of LOGIN_LOCKOUT_SECONDS.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
# Proxies whose X-Forwarded-For is believed (webapp/lib/client_address.py); none by default.
TRUSTED_PROXY_NETWORKS = env_networks("TRUSTED_PROXIES")
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60, minimum=1)
# New API tokens expire after this many days; 0: never.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90, minimum=0)
# Django's own request limits: uploads are streamed to disk, other fields stay small.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024**2
MODEL_POOL_MEMORY_BUDGET = env_bytes("MODEL_POOL_MEMORY_BUDGET", 8 * 1024**3)
# CPU threads torch may use in a worker process; 0 keeps torch's default (all cores).
# On a shared or busy CPU one thread is often much faster than contending for all of them.
TORCH_NUM_THREADS = env_int("TORCH_NUM_THREADS", 0, minimum=0)
# Fused training (workers/training_groups.py): up to FUSED_MAX_JOBS jobs on one base model train
# together in a worker process (its gpu-queue thread pool has as many threads), and one forward
# pass holds at most FUSED_MAX_ROWS rows (more are micro-batched with gradient accumulation).
# A sweep (webapp/sweeps) launches at most this many runs.
SWEEP_MAX_RUNS = env_int("SWEEP_MAX_RUNS", 60, minimum=1)
FUSED_MAX_JOBS = env_int("FUSED_MAX_JOBS", 8, minimum=1)
FUSED_MAX_ROWS = env_int("FUSED_MAX_ROWS", 256, minimum=1)
# Whether the jobs' rows share one pass: auto (on a GPU yes; on a CPU each job's batch is its own
# pass, since there one pass costs the sum of its rows and holds all their activations), 1 or 0.
_share_passes = env_str("FUSED_SHARE_PASSES", "auto").strip().lower()
if _share_passes not in ("auto", "1", "0"):
    raise ImproperlyConfigured(f"FUSED_SHARE_PASSES={_share_passes!r}: use auto, 1 or 0")
FUSED_SHARE_PASSES: bool | None = None if _share_passes == "auto" else _share_passes == "1"
# The prediction server (workers/serving.py, started by `make run` and compose's `serving`):
# requests arriving within the window share a forward pass of at most SERVING_MAX_ROWS
# (input, prompt) rows; past SERVING_QUEUE_LIMIT waiting requests the API answers 429.
SERVING_BATCH_WINDOW_MS = env_int("SERVING_BATCH_WINDOW_MS", 15, minimum=0)
SERVING_MAX_ROWS = env_int("SERVING_MAX_ROWS", 64, minimum=1)
SERVING_QUEUE_LIMIT = env_int("SERVING_QUEUE_LIMIT", 32, minimum=1)
SERVING_REPLY_TIMEOUT_S = env_int("SERVING_REPLY_TIMEOUT_S", 30, minimum=1)
SERVING_NAMESPACE = env_str("SERVING_NAMESPACE", "sps:serving")
# What one predict call may ask (each input is scored by every member of an ensemble).
PREDICT_MAX_INPUTS = env_int("PREDICT_MAX_INPUTS", 32, minimum=1)
PREDICT_MAX_INPUT_CHARS = env_int("PREDICT_MAX_INPUT_CHARS", 2000, minimum=1)

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "webapp" / "static"]
STORAGES = {
    # Every file the product keeps (issue 22): local under MEDIA_ROOT, or MEDIA_STORAGE=s3.
    "default": media_storage_settings(),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# The test suite only (bin/test sets it): it creates hundreds of users, and PBKDF2's iterations
# cost a third of a second each. PBKDF2 stays listed, so every process verifies both kinds.
if env_bool("FAST_PASSWORD_HASHER", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                        "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS in production: with the README's production settings `manage.py check --deploy` is clean.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Health checks of the container run over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Behind a proxy that terminates TLS: the header it sets to `https` (e.g. X-Forwarded-Proto).
# Only set it when the proxy always sets (or strips) that header, or clients could claim HTTPS.
_PROXY_SSL_HEADER = env_str("SECURE_PROXY_SSL_HEADER", "").strip()
if _PROXY_SSL_HEADER and not re.fullmatch(r"[A-Za-z0-9-]+", _PROXY_SSL_HEADER):
    raise ImproperlyConfigured(f"SECURE_PROXY_SSL_HEADER={_PROXY_SSL_HEADER!r} must be a header name, e.g. X-Forwarded-Proto")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)

LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
