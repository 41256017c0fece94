"""The one settings module. Every value that differs between machines comes from the
environment (or a `.env` file beside manage.py); `.env.example` documents each variable."""

import importlib.util
import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Variables already in the environment win over the file. ENV_FILE="" reads no file (the
# test suite uses that so a developer's .env can't change what the tests see).
ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    environ.Env.read_env(ENV_FILE, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _required(name: str, *, dev_default: str, hint: str) -> str:
    """A value production must set; in DEBUG a throwaway default keeps local use easy."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"Set the {name} environment variable (DEBUG is off). {hint}")


SECRET_KEY = _required(
    "SECRET_KEY",
    dev_default="django-insecure-development-only-key-not-for-production-use-0123456789",
    hint="Use a long random string, e.g. "
    "python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
)

# Keys for credentials at rest: "keyid:base64-32-bytes[,older:...]". The first encrypts, all
# decrypt.
# Deliberately separate from SECRET_KEY and never derived from it. In DEBUG there is no fallback
# key: a missing key fails when a secret is encrypted or decrypted, with a message naming it.
INTEGRATIONS_ENCRYPTION_KEYS = env.str("INTEGRATIONS_ENCRYPTION_KEYS", default="")
if not DEBUG and not INTEGRATIONS_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "Set the INTEGRATIONS_ENCRYPTION_KEYS environment variable (DEBUG is off): "
        "'keyid:<base64 of 32 random bytes>', e.g. "
        "python -c 'import base64,os; print(\"k1:\" + base64.b64encode(os.urandom(32)).decode())'."
    )

# Signs API tokens (JWT, HS256). Its own key: not SECRET_KEY, not the encryption key ring, so
# either can rotate alone. Changing it invalidates every JWT-form token (revoke and reissue).
API_TOKEN_SIGNING_KEY = _required(
    "API_TOKEN_SIGNING_KEY",
    dev_default="development-only-api-token-signing-key-not-for-production",
    hint="Use at least 32 random bytes, e.g. "
    "python -c 'import secrets; print(secrets.token_urlsafe(48))'.",
)
if len(API_TOKEN_SIGNING_KEY.encode()) < 32 or API_TOKEN_SIGNING_KEY == SECRET_KEY:
    raise ImproperlyConfigured(
        "API_TOKEN_SIGNING_KEY must be at least 32 bytes long and differ from SECRET_KEY."
    )

# Non-public networks registry connections may reach (integrations/providers/outbound.py), as
# CIDRs. Public addresses are always allowed; link-local (cloud metadata), unspecified and
# multicast never. The default lets self-hosted registries on loopback and private ranges work.
INTEGRATIONS_ALLOWED_NETWORKS = env.list(
    "INTEGRATIONS_ALLOWED_NETWORKS",
    default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
)

PLATFORM_NAME = env.str("PLATFORM_NAME", default="Dataloop")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# django-ninja's templates and static files: /api/v1/docs (Swagger UI) is served from them,
# same-origin. Found on disk rather than as an installed app, whose import loads the whole
# framework and pydantic (a third of start-up) in every process, before any API request.
_NINJA = Path(importlib.util.find_spec("ninja").submodule_search_locations[0])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "integrations_site.audit",
    "integrations_site.organizations",
    "integrations_site.encryption",
    "integrations_site.integrations",
    "integrations_site.api",
    "integrations_site.storage",
    "integrations_site.deployments",
    "integrations_site.ops",
]

MIDDLEWARE = [
    # First: every response (even a redirect or an error page) carries X-Request-ID and is timed.
    "integrations_site.ops.middleware.RequestIdMiddleware",
    # The request's id, client address and caller, for the audit events it records.
    "integrations_site.audit.middleware.AuditContextMiddleware",
    "integrations_site.ops.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files answer before sessions, CSRF and the rest (whitenoise).
    "integrations_site.ops.middleware.StaticFilesMiddleware",
    "integrations_site.api.errors.ApiErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "integrations_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates", _NINJA / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "integrations_site.organizations.context_processors.organizations",
            ],
        },
    },
]

WSGI_APPLICATION = "integrations_site.wsgi.application"
ASGI_APPLICATION = "integrations_site.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Each process keeps its database connection between requests (a new PostgreSQL connection
# costs more than most views); a connection that broke is noticed and replaced before use.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE_SECONDS", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Bounded waits on the database; options given in DATABASE_URL (?key=value) win over these.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, reading times with psycopg's compiled loader (postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "integrations_site.postgresql"
    # A frozen server fails the request instead of hanging it for minutes.
    _statement_timeout_ms = 1000 * env.int("DATABASE_STATEMENT_TIMEOUT_SECONDS", default=30)
    _database_options = {
        "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT_SECONDS", default=5),
        "options": f"-c statement_timeout={_statement_timeout_ms}",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers queue instead of failing with "database is locked": WAL lets readers
    # go on beside a writer, IMMEDIATE takes the write lock at BEGIN (a read-then-write
    # transaction can't deadlock on upgrading its lock), and a writer waits up to `timeout` s.
    _database_options = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("DATABASE_SQLITE_BUSY_TIMEOUT_SECONDS", default=20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    _database_options = {}
DATABASES["default"]["OPTIONS"] = {**_database_options, **DATABASES["default"].get("OPTIONS", {})}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Pull credentials are cached here (sealed); local memory unless e.g. redis://… is given.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://integrations")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "integrations_site.redis_cache.RedisCache"
# Sessions live in the database; with a cache every process shares (Redis) they are also read
# from it, saving a query per page. A process-local cache would let one process keep serving a
# session that another one ended, so it never fronts them.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHES["default"]["BACKEND"] == "integrations_site.redis_cache.RedisCache"
    else "django.contrib.sessions.backends.db"
)

# Axes first: it refuses a locked-out username or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "integrations:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static", _NINJA / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Hashed, compressed (gzip and brotli) file names from collectstatic, served by whitenoise with
# far-future caching. scripts/entrypoint.sh (make serve, the container) turns it on; off, the
# {% static %} tag needs no collectstatic (development, the test suite) and whitenoise serves
# straight from the app and project static folders.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# --- Security -------------------------------------------------------------------------------
DEFAULT_EXCEPTION_REPORTER_FILTER = "integrations_site.debug.AlwaysSafeExceptionReporterFilter"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    # Only behind a proxy that sets this header itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Same-origin only; no inline script or style anywhere (htmx is configured through a meta tag).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Throttling: sign-in (django-axes) and failed API tokens ----------------------------------
# The client address is REMOTE_ADDR. Behind a reverse proxy, name the header the proxy itself
# sets (e.g. X-Real-IP, or X-Forwarded-For whose right-most entry the proxy adds); otherwise
# every client looks like the proxy. Never set it without such a proxy: clients could forge it.
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="")
AXES_CLIENT_IP_CALLABLE = "integrations_site.api.throttling.client_address"
# Attempts live in the database (axes' default handler), so every process sees the same counts.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Each on its own: many users tried from one address, or one user tried from many addresses.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Off by default: axes' reset deletes every attempt from the signing-in address too, so anyone
# with an account could guess another user's password forever between sign-ins of their own.
# Failures age out after the cool-off either way.
AXES_RESET_ON_SUCCESS = env.bool("AXES_RESET_ON_SUCCESS", default=False)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Failed bearer-token lookups per client address, counted in the (shared) cache.
API_TOKEN_FAILURE_LIMIT = env.int("API_TOKEN_FAILURE_LIMIT", default=20)
API_TOKEN_FAILURE_WINDOW = env.int("API_TOKEN_FAILURE_WINDOW_SECONDS", default=300)

# --- API lists: keyset pages (integrations_site/api/paging.py) -------------------------------
# Rows per page when ?pageSize= is not given, and the most a client may ask for.
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=100)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=1000)
if not 1 <= API_PAGE_SIZE <= API_MAX_PAGE_SIZE:
    raise ImproperlyConfigured("API_PAGE_SIZE must be between 1 and API_MAX_PAGE_SIZE.")

# --- Logging: every handler passes through the secret mask -----------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# "plain" (development) or "json": one object per line with the request id, user and org ids.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'plain' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_secrets": {"()": "integrations_site.logging.SecretMaskingFilter"},
        "request_context": {"()": "integrations_site.logging.RequestContextFilter"},
    },
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
        "json": {"()": "integrations_site.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # The mask first: no later filter or formatter sees an unmasked message.
            "filters": ["mask_secrets", "request_context"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}

INTEGRATIONS_PAGE_SIZE = 50

# --- Audit trail (integrations_site/audit) ----------------------------------------------------
# manage.py prune_audit deletes events older than this; each chain keeps an anchor and verifies.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
AUDIT_PAGE_SIZE = 50

# --- Bounded time -----------------------------------------------------------------------------
# No request waits longer than this for registries and cloud APIs (a pipeline install, a reload
# of many services): what has not answered by then is recorded as "not checked yet".
OUTBOUND_REQUEST_DEADLINE_SECONDS = env.float("OUTBOUND_REQUEST_DEADLINE_SECONDS", default=15.0)
# The most nodes one pipeline may have (the form and the API refuse more).
PIPELINE_MAX_NODES = env.int("PIPELINE_MAX_NODES", default=50)

# --- Background tasks -------------------------------------------------------------------------
# Credential re-checks and pull-credential refreshes are tasks (django-tasks). "database": the
# queue is a table; `manage.py run_worker` on any number of hosts claims each task with SELECT
# ... FOR UPDATE SKIP LOCKED, so no task runs twice. "immediate": a task runs at once in the
# process that enqueues it, no worker needed (the default in DEBUG, so `make run` is enough).
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate" if DEBUG else "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured("TASKS_BACKEND must be 'database' or 'immediate'.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}
# The worker re-checks every integration whose last check is older than this (hours).
INTEGRATIONS_RECHECK_HOURS = env.float("INTEGRATIONS_RECHECK_HOURS", default=6.0)

# --- Operations: /healthz, /readyz, /metrics (integrations_site/ops) ------------------------
# /metrics answers only clients in these networks (CIDRs; default loopback) and, when
# METRICS_TOKEN is set, only with "Authorization: Bearer <METRICS_TOKEN>"; anyone else gets 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
# Health checks and scrapers speak plain HTTP to the process itself, not through the proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
