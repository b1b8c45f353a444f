"""Settings for VNet Lab.

Everything configurable comes from the environment, read here once:

- ``DATABASE_URL``: PostgreSQL for the scale-out setup (SQLite otherwise).
- ``REDIS_URL``: channels-redis layer for several workers (in-memory otherwise).
- ``VNETLAB_RESTART_SECONDS``: how long an app restart takes (a few seconds for
  a demo, near zero in tests).
- ``DJANGO_SECRET_KEY``: required when ``DJANGO_DEBUG`` is off.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {raw!r}")


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from exc


DEBUG = _env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off")
    # A lab that never leaves the machine: a fixed development key is fine.
    SECRET_KEY = "vnetlab-local-development-key-not-for-production"

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
ALLOWED_HOSTS += [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "crispy_forms",
    "portal",
    "networking",
    "appservice",
    "aks",
    "labs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session and the sandbox: a URL path holding a NUL character
    # names nothing, 404 (issue #12, portal/inputs.py).
    "portal.inputs.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.SandboxMiddleware",
]

ROOT_URLCONF = "portal.urls"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.shell",
                "labs.context_processors.dock",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the ASGI server's threads and a second tab write
    # without "database is locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not memory) so the browser tests' server thread shares it; one
    # per process so parallel runs on one machine can't trample each other.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"vnetlab-test-{os.getpid()}.sqlite3")}
else:
    # One test database per process, so parallel runs on one server don't collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_vnetlab_{os.getpid()}"}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": os.environ.get("REDIS_PREFIX", "vnetlab")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
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
WHITENOISE_USE_FINDERS = DEBUG

# Forms are drawn by the portal's own pack (templates/azure/, portal/layout.py).
CRISPY_ALLOWED_TEMPLATE_PACKS = ("azure",)
CRISPY_TEMPLATE_PACK = "azure"

# Long-running operations (DESIGN: "Durations are real enough for a demo").
VNETLAB_RESTART_SECONDS = _env_float("VNETLAB_RESTART_SECONDS", 4.0)
VNETLAB_OPERATION_SECONDS = _env_float("VNETLAB_OPERATION_SECONDS", 2.0)
# The demo seed's hub-and-spoke network (portal/seed.py seed_network). Tests
# start from the compact seed unless they turn it on.
VNETLAB_SEED_NETWORK = _env_bool("VNETLAB_SEED_NETWORK", True)
# Worker threads that run views under the ASGI server (portal/asgi.py).
VNETLAB_HTTP_THREADS = int(_env_float("VNETLAB_HTTP_THREADS", 4))
# SBX-06: a request body over this many bytes is refused (413) before it is
# read (portal/limits.py); Django's own cap on a form's data is the same 2.5 MB.
VNETLAB_MAX_REQUEST_BYTES = int(_env_float("VNETLAB_MAX_REQUEST_BYTES", 2_621_440))
# Rendered blades kept per sandbox state (portal/pagecache.py); off only to
# measure the cost of rendering (`make bench` reports both).
VNETLAB_PAGE_CACHE = _env_bool("VNETLAB_PAGE_CACHE", True)

# Sandbox lifecycle (portal/lifecycle.py, docs/hosting.md). SBX-02: new
# anonymous sandboxes per client address and hour (0: no limit); the address
# is REMOTE_ADDR, or with VNETLAB_PROXY_COUNT = n the n-th address from the
# right of X-Forwarded-For (set it only behind that many proxies you run).
VNETLAB_NEW_SANDBOXES_PER_HOUR = int(_env_float("VNETLAB_NEW_SANDBOXES_PER_HOUR", 30))
VNETLAB_PROXY_COUNT = int(_env_float("VNETLAB_PROXY_COUNT", 0))
# SBX-05: at most this many sandboxes (about 30-50 KB each); 0: no cap.
VNETLAB_MAX_SANDBOXES = int(_env_float("VNETLAB_MAX_SANDBOXES", 5000))
# SBX-03: a sandbox no request used for this many days is deleted, by
# `manage.py prune_sandboxes` and by the running server at most once per
# VNETLAB_PRUNE_EVERY_SECONDS (0: only by the command).
VNETLAB_SANDBOX_IDLE_DAYS = _env_float("VNETLAB_SANDBOX_IDLE_DAYS", 14)
VNETLAB_PRUNE_EVERY_SECONDS = _env_float("VNETLAB_PRUNE_EVERY_SECONDS", 3600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
