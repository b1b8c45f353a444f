"""Settings for VNet Lab.

Everything configurable comes from the environment, read here once:

- ``DATABASE_URL``: PostgreSQL for the scale-out setup (SQLite otherwise).
- ``VNETLAB_PG_PREPARED``: on PostgreSQL, server-side parameters and
  prepared statements (on unless set to 0).
- ``REDIS_URL``: channels-redis layer for several workers (in-memory otherwise).
- ``VNETLAB_RESTART_SECONDS``: how long an app restart takes (a few seconds for
  a demo, near zero in tests).
- ``DJANGO_DEBUG``: off unless set (``make dev`` sets it): the production
  profile is the default (docs/hosting.md).
- ``DJANGO_SECRET_KEY``: the secret key; without it, the key in
  ``VNETLAB_SECRET_KEY_FILE`` (``.secret_key`` at the checkout's root, made
  on the first run). ``DJANGO_SECRET_KEY_FALLBACKS``: old keys still
  accepted while rotating, space-separated.
- ``VNETLAB_HTTPS``: served over HTTPS (directly or behind a TLS proxy):
  Secure cookies, HSTS, redirect to HTTPS.
- ``VNETLAB_HOST``: the address the server listens on (the Makefile's HOST);
  ``DJANGO_ALLOWED_HOSTS``: more host names, comma-separated.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from portal import production

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


# The production profile unless a contributor asks for debug pages.
DEBUG = _env_bool("DJANGO_DEBUG", False)
# No key in the repository: sessions are signed cookies carrying a sandbox's
# secret, so whoever knows the key could forge any sandbox's cookie.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "") or production.secret_key_from_file(
    Path(os.environ.get("VNETLAB_SECRET_KEY_FILE") or BASE_DIR / ".secret_key")
)
SECRET_KEY_FALLBACKS = os.environ.get("DJANGO_SECRET_KEY_FALLBACKS", "").split()

ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
if os.environ.get("VNETLAB_HOST"):  # `make run HOST=0.0.0.0`: the machine's names and addresses too
    ALLOWED_HOSTS += production.hosts_for(os.environ["VNETLAB_HOST"])
ALLOWED_HOSTS += [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]

# Served over HTTPS, by uvicorn itself or behind a TLS proxy (docs/hosting.md):
# cookies only over HTTPS, HSTS, plain HTTP redirected. Off for a class on a
# LAN over plain HTTP, where there is no TLS to enforce (`check --deploy` then
# names W004, W008, W012 and W016, on purpose).
VNETLAB_HTTPS = _env_bool("VNETLAB_HTTPS", False)
SESSION_COOKIE_SECURE = VNETLAB_HTTPS
CSRF_COOKIE_SECURE = VNETLAB_HTTPS
SECURE_SSL_REDIRECT = VNETLAB_HTTPS
SECURE_HSTS_SECONDS = int(_env_float("VNETLAB_HSTS_SECONDS", 31_536_000)) if VNETLAB_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = VNETLAB_HTTPS
SECURE_HSTS_PRELOAD = VNETLAB_HTTPS  # allows preloading; nothing is preloaded unless the domain's owner submits it
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's probe may come over plain HTTP

INSTALLED_APPS = [
    "daphne",
    "django.contrib.contenttypes",
    "django.contrib.auth",
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
    "classroom",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry the security headers too.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "portal.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session and the sandbox: a URL path holding a NUL character
    # names nothing, 404 (issue #12, portal/inputs.py).
    "portal.inputs.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # request.user, read lazily: a learner's request (no user in the
    # session) costs no query. Before the sandbox, which doesn't read it.
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.SandboxMiddleware",
]

# Security headers (docs/hosting.md, "Security headers"). Scripts and styles
# come from our own static files only: no inline <script>, no style="...",
# no eval (htmx's is off: templates/base.html's htmx-config). img-src takes
# data: for Bootstrap's CSS icons (select arrows, check marks); connect-src
# 'self' covers the page's own WebSocket (ws:/wss: to the same host).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
# Browser features the lab never uses, denied to every page (portal/headers.py).
VNETLAB_PERMISSIONS_POLICY = (
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "hid",
    "interest-cohort",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)

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
    if _env_bool("VNETLAB_PG_PREPARED", True):
        # Parameters bound by the server, and a query run twice on a
        # connection prepared there: PostgreSQL parses and plans each of the
        # many small queries of a page once per connection, not on every
        # run. It halved the database's CPU per write (docs/benchmarks.md).
        # Off (0) behind a pooler that can't keep prepared statements.
        DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 2})

REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_SOCKET_TIMEOUT = 15  # seconds; above channels_redis's 5 s wait for a message
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # channels_redis waits up to 5 s (its brpop_timeout) for a tab's
            # next message; redis-py 8 gives up reading a socket after 5 s, so
            # an idle tab's wait raised TimeoutError and closed its socket. The
            # read timeout is set above that wait.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": REDIS_SOCKET_TIMEOUT}],
                "prefix": os.environ.get("REDIS_PREFIX", "vnetlab"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
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

# Instructors' accounts (classroom, issue #13; docs/classroom.md). Made by
# `manage.py createinstructor`, never by a public sign-up page. The account
# shares the signed session cookie with the browser's sandbox.
LOGIN_URL = "classroom:sign_in"
LOGIN_REDIRECT_URL = "classroom:classes"
LOGOUT_REDIRECT_URL = "classroom:sign_in"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

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
# The server's own database work off any request (operations finished on
# time, a lab's regrade after a change): portal/live.py "Chores". One: more
# threads took the worker's interpreter from the pages (docs/benchmarks.md).
VNETLAB_CHORE_THREADS = int(_env_float("VNETLAB_CHORE_THREADS", 1))
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
# Over HTTPS behind such a proxy, the proxy's X-Forwarded-Proto says whether
# the browser's request came over HTTPS (the proxy must set it, replacing any
# the client sent). uvicorn already trusts it from a proxy on 127.0.0.1.
if VNETLAB_HTTPS and VNETLAB_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# SBX-05: at most this many sandboxes (about 30-50 KB each); 0: no cap.
VNETLAB_MAX_SANDBOXES = int(_env_float("VNETLAB_MAX_SANDBOXES", 5000))
# SBX-03: a sandbox no request used for this many days is deleted, by
# `manage.py prune_sandboxes` and by the running server at most once per
# VNETLAB_PRUNE_EVERY_SECONDS (0: only by the command).
VNETLAB_SANDBOX_IDLE_DAYS = _env_float("VNETLAB_SANDBOX_IDLE_DAYS", 14)
VNETLAB_PRUNE_EVERY_SECONDS = _env_float("VNETLAB_PRUNE_EVERY_SECONDS", 3600)
# CLS-11 (classroom/join.py): tries at joining a class per minute. Per code:
# every try at that code (a room of 300 gets in within a minute or two). Per
# client address: the tries that seated no one (a wrong code, a closed or
# full class), so guessing codes is slow while a room behind one address
# joins freely. 0: no limit.
VNETLAB_JOINS_PER_MINUTE_PER_CODE = int(_env_float("VNETLAB_JOINS_PER_MINUTE_PER_CODE", 150))
VNETLAB_JOIN_MISSES_PER_MINUTE = int(_env_float("VNETLAB_JOIN_MISSES_PER_MINUTE", 10))
# CLS-41: failed instructor sign-ins a minute, per client address and per
# account name; past either, every try is refused until the minute is over.
VNETLAB_SIGN_IN_FAILURES_PER_MINUTE = int(_env_float("VNETLAB_SIGN_IN_FAILURES_PER_MINUTE", 10))
VNETLAB_SIGN_IN_FAILURES_PER_ACCOUNT_PER_MINUTE = int(_env_float("VNETLAB_SIGN_IN_FAILURES_PER_ACCOUNT_PER_MINUTE", 5))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
