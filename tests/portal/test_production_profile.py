"""The production profile (issue #12, docs/hosting.md): no secret in the
repository, DEBUG off by default with the portal's own error pages, static
files from a manifest a starting server builds if need be, cookies and HTTPS
driven by the environment, `check --deploy` clean over HTTPS."""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.test import Client, override_settings
from django.urls import path, reverse

from portal import production, staticmanifest
from portal import urls as portal_urls
from portal.middleware import SESSION_KEY
from portal.models import Sandbox
from tests.helpers.websocket import connect_with_session_cookie

ROOT = Path(django_settings.BASE_DIR)
HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml"}
# Every key the repository ever held: the development key settings.py had,
# and the benchmarks' (git log -p -S SECRET_KEY).
REPOSITORY_KEYS = ["vnetlab-local-development-key-not-for-production", "labs-bench", "scale-bench"]


def _cookie_signed_with(key: str, sandbox_secret) -> str:
    with override_settings(SECRET_KEY=key, SECRET_KEY_FALLBACKS=[]):
        store = SessionStore()
        store[SESSION_KEY] = str(sandbox_secret)
        store.save()  # a signed cookie: no database
        return store.session_key


def _browser_with_cookie(value: str) -> Client:
    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = value
    return client


# --- No secret in the repository -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("key", REPOSITORY_KEYS)
def test_a_cookie_signed_with_a_key_from_the_repository_opens_nothing(alice, key):
    forged = _browser_with_cookie(_cookie_signed_with(key, alice.sandbox.secret))
    assert forged.post(reverse("set_era"), {"era": "current"}).status_code == 403
    assert forged.get(reverse("all_resources"), **HTML).status_code == 200
    assert forged.session[SESSION_KEY] != str(alice.sandbox.secret), "a fresh sandbox, not alice's"
    assert Sandbox.objects.count() == 2
    alice.sandbox.refresh_from_db()
    assert alice.sandbox.era == "classic", "alice's sandbox untouched"


@pytest.mark.django_db
def test_the_same_cookie_signed_with_the_servers_key_opens_the_sandbox(alice):
    """The forged cookies above fail only for their key."""
    genuine = _browser_with_cookie(_cookie_signed_with(django_settings.SECRET_KEY, alice.sandbox.secret))
    assert genuine.post(reverse("set_era"), {"era": "current"}).status_code in (200, 302)
    assert Sandbox.objects.count() == 1
    alice.sandbox.refresh_from_db()
    assert alice.sandbox.era == "current"


@pytest.mark.django_db(transaction=True)
async def test_a_websocket_with_a_cookie_signed_with_the_old_key_is_refused():
    sandbox = await database_sync_to_async(Sandbox.objects.create)()
    cookie = _cookie_signed_with(REPOSITORY_KEYS[0], sandbox.secret)
    connected, code = await connect_with_session_cookie(cookie)
    assert not connected and code == 4403


@pytest.mark.django_db
def test_the_displayed_public_id_opens_nothing_as_a_link_either(alice):
    shown = alice.get(reverse("sandbox_settings")).content.decode()
    assert str(alice.sandbox.key) in shown
    stranger = Client()
    response = stranger.get(reverse("open_sandbox", args=[alice.sandbox.key]), **HTML)
    assert response.status_code == 404
    assert stranger.session.get(SESSION_KEY) != str(alice.sandbox.secret)


def test_the_servers_key_is_none_of_the_repositorys():
    assert django_settings.SECRET_KEY not in REPOSITORY_KEYS
    assert len(django_settings.SECRET_KEY) >= 50
    assert not set(REPOSITORY_KEYS) & set(django_settings.SECRET_KEY_FALLBACKS)


# --- The secret key file -----------------------------------------------------------------


def test_the_first_run_makes_a_private_key_file_and_later_runs_read_it(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    key = production.secret_key_from_file(key_file)
    assert len(key) >= 50 and key not in REPOSITORY_KEYS
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert production.secret_key_from_file(key_file) == key
    assert production.secret_key_from_file(tmp_path / "other") != key
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["secret_key"], "no temporary file left"


def test_workers_starting_at_once_agree_on_one_key(tmp_path):
    key_file = tmp_path / "secret_key"
    code = "import sys; from portal.production import secret_key_from_file as f; print(f(__import__('pathlib').Path(sys.argv[1])))"
    workers = [
        subprocess.Popen([sys.executable, "-c", code, str(key_file)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    keys = {worker.communicate(timeout=60)[0].strip() for worker in workers}
    assert keys == {key_file.read_text().strip()}
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


@pytest.mark.parametrize("content", ["", "\n", "short-key", "a" * 60])
def test_a_key_file_without_a_usable_key_stops_the_start_with_what_to_do(tmp_path, content):
    key_file = tmp_path / "secret_key"
    key_file.write_text(content)
    with pytest.raises(ImproperlyConfigured, match="delete it"):
        production.secret_key_from_file(key_file)


def test_a_key_file_that_cannot_be_made_says_what_to_set(tmp_path):
    read_only = tmp_path / "read-only"
    read_only.mkdir(mode=0o500)
    if os.access(read_only, os.W_OK):  # root writes anywhere: a file where the directory would be
        read_only = tmp_path / "a-file"
        read_only.write_text("")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        production.secret_key_from_file(read_only / "secret_key")


# --- The profiles, as the environment makes them -----------------------------------------


def _settings_with(env: dict, *names: str) -> dict:
    """The named settings as portal/settings.py makes them from ``env``, in a
    fresh process (settings are read once, at import)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VNETLAB_"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("REDIS_URL", None)
    code = (
        "import json, sys; from django.conf import settings as s; "
        "print(json.dumps({n: getattr(s, n, None) for n in sys.argv[1:]}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *names],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_debug_is_off_unless_asked_for(tmp_path):
    key_file = {"VNETLAB_SECRET_KEY_FILE": str(tmp_path / "key")}
    production_profile = _settings_with(key_file, "DEBUG", "STORAGES", "SECRET_KEY")
    assert production_profile["DEBUG"] is False
    assert production_profile["STORAGES"]["staticfiles"]["BACKEND"].endswith("CompressedManifestStaticFilesStorage")
    assert production_profile["SECRET_KEY"] == (tmp_path / "key").read_text().strip()
    development = _settings_with({**key_file, "DJANGO_DEBUG": "1"}, "DEBUG", "STORAGES")
    assert development["DEBUG"] is True
    assert development["STORAGES"]["staticfiles"]["BACKEND"].endswith(".StaticFilesStorage")


def test_postgresql_binds_parameters_on_the_server_and_prepares_queries_unless_turned_off(tmp_path):
    env = {"VNETLAB_SECRET_KEY_FILE": str(tmp_path / "key"), "DATABASE_URL": "postgres://u@127.0.0.1:5432/vnetlab"}
    options = _settings_with(env, "DATABASES")["DATABASES"]["default"].get("OPTIONS", {})
    assert options.get("server_side_binding") is True
    assert options.get("prepare_threshold") == 2
    turned_off = _settings_with({**env, "VNETLAB_PG_PREPARED": "0"}, "DATABASES")["DATABASES"]["default"]
    assert "server_side_binding" not in turned_off.get("OPTIONS", {})
    sqlite = _settings_with({"VNETLAB_SECRET_KEY_FILE": str(tmp_path / "key")}, "DATABASES")["DATABASES"]["default"]
    assert "server_side_binding" not in sqlite["OPTIONS"]


@pytest.mark.django_db
def test_a_query_run_twice_is_prepared_on_the_database_this_run_uses():
    """On the scale-out setup the second run of a query on a connection
    uses a statement PostgreSQL prepared; SQLite has no such thing."""
    from django.db import connection

    for _ in range(3):
        Sandbox.objects.filter(pk=-1).exists()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        assert any('"portal_sandbox"' in statement for statement in prepared), prepared
    else:
        assert "server_side_binding" not in connection.settings_dict["OPTIONS"]


def test_the_environments_key_wins_over_the_file_and_old_keys_can_be_kept_while_rotating(tmp_path):
    made = _settings_with(
        {
            "VNETLAB_SECRET_KEY_FILE": str(tmp_path / "key"),
            "DJANGO_SECRET_KEY": "k" * 20 + "from-the-environment" + "x" * 20,
            "DJANGO_SECRET_KEY_FALLBACKS": "old-one old-two",
        },
        "SECRET_KEY",
        "SECRET_KEY_FALLBACKS",
    )
    assert made["SECRET_KEY"].startswith("k" * 20 + "from-the-environment")
    assert made["SECRET_KEY_FALLBACKS"] == ["old-one", "old-two"]
    assert not (tmp_path / "key").exists(), "no file made when the environment has the key"


def test_plain_http_cookies_are_httponly_and_lax_and_https_makes_them_secure_with_hsts(tmp_path):
    names = (
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SAMESITE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_PROXY_SSL_HEADER",
    )
    key_file = {"VNETLAB_SECRET_KEY_FILE": str(tmp_path / "key")}
    lan = _settings_with(key_file, *names)
    assert lan["SESSION_COOKIE_HTTPONLY"] and lan["SESSION_COOKIE_SAMESITE"] == lan["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert not (lan["SESSION_COOKIE_SECURE"] or lan["CSRF_COOKIE_SECURE"] or lan["SECURE_SSL_REDIRECT"])
    assert lan["SECURE_HSTS_SECONDS"] == 0
    https = _settings_with({**key_file, "VNETLAB_HTTPS": "1"}, *names)
    assert https["SESSION_COOKIE_SECURE"] and https["CSRF_COOKIE_SECURE"] and https["SECURE_SSL_REDIRECT"]
    assert https["SECURE_HSTS_SECONDS"] == 31_536_000 and https["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert https["SECURE_PROXY_SSL_HEADER"] is None, "a client's X-Forwarded-Proto is not trusted without a proxy"
    proxied = _settings_with({**key_file, "VNETLAB_HTTPS": "1", "VNETLAB_PROXY_COUNT": "1"}, *names)
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_a_server_on_every_address_answers_to_the_machines_names(tmp_path):
    key_file = {"VNETLAB_SECRET_KEY_FILE": str(tmp_path / "key")}
    everywhere = _settings_with({**key_file, "VNETLAB_HOST": "0.0.0.0"}, "ALLOWED_HOSTS")["ALLOWED_HOSTS"]
    assert socket.gethostname().lower() in everywhere
    assert set(production._primary_addresses()) - {"::1"} <= {h.strip("[]") for h in everywhere}
    loopback = _settings_with(key_file, "ALLOWED_HOSTS")["ALLOWED_HOSTS"]
    assert socket.gethostname().lower() not in loopback
    named = _settings_with({**key_file, "DJANGO_ALLOWED_HOSTS": "lab.example.edu, 10.0.0.5"}, "ALLOWED_HOSTS")
    assert {"lab.example.edu", "10.0.0.5"} <= set(named["ALLOWED_HOSTS"])


def _check_deploy(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VNETLAB_"))}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_the_https_profile(tmp_path):
    result = _check_deploy({"VNETLAB_HTTPS": "1", "VNETLAB_SECRET_KEY_FILE": str(tmp_path / "key")})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_over_plain_http_names_only_what_tls_would_enforce(tmp_path):
    """The LAN profile (docs/hosting.md): no TLS, so no HSTS, no redirect, no
    Secure cookies, and nothing else."""
    result = _check_deploy({"VNETLAB_SECRET_KEY_FILE": str(tmp_path / "key")})
    warned = {line.split(")")[0].split("(")[1] for line in result.stderr.splitlines() if "(security." in line}
    assert warned == {"security.W004", "security.W008", "security.W012", "security.W016"}, result.stderr


# --- The portal's error pages ----------------------------------------------------------


def boom(request):
    raise RuntimeError("a bug the learner must not see")


urlpatterns = [path("boom/", boom), *portal_urls.urlpatterns]


@pytest.mark.django_db
def test_a_404_is_the_portals_page_with_the_views_message(alice):
    page = Client().get("/no/such/page", **HTML)
    assert page.status_code == 404
    html = page.content.decode()
    assert 'data-status="404"' in html and "az-topbar" in html and "There is no page at this address." in html
    link = alice.get(reverse("open_sandbox", args=[uuid.uuid4()]), **HTML).content.decode()
    assert "This sandbox link is no longer valid." in link and 'data-status="404"' in link


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_500_is_the_portals_page_without_any_detail(alice):
    alice.raise_request_exception = False
    response = alice.get("/boom/", **HTML)
    assert response.status_code == 500
    html = response.content.decode()
    assert 'data-status="500"' in html and "Something went wrong" in html and "az-topbar" in html
    assert "RuntimeError" not in html and "a bug the learner" not in html and "SECRET_KEY" not in html


@pytest.mark.django_db
def test_a_bad_host_answers_the_portals_400():
    response = Client().get("/", HTTP_HOST="evil.example", **HTML)
    assert response.status_code == 400
    assert 'data-status="400"' in response.content.decode()


@pytest.mark.django_db
def test_a_form_without_its_token_answers_the_portals_403(alice):
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = alice.cookies
    response = strict.post(reverse("set_era"), {"era": "current"})
    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()


@pytest.mark.django_db
def test_the_session_cookie_is_httponly_and_samesite_lax():
    cookie = Client().get("/", **HTML).cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


# --- Static files from the manifest ------------------------------------------------------


@pytest.fixture
def manifest_storage(settings, tmp_path):
    """The production profile's static files, collected into a temporary
    STATIC_ROOT from one source directory of the test's own."""
    source = tmp_path / "static"
    (source / "portal").mkdir(parents=True)
    (source / "portal" / "lab.css").write_text("body { color: black; }\n")
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.STATICFILES_DIRS = [source]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    return source


def test_a_starting_server_collects_static_files_that_were_never_collected(manifest_storage, settings):
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        static("portal/lab.css")  # what every page answered: 500
    staticmanifest.ensure_collected()
    assert (Path(settings.STATIC_ROOT) / "staticfiles.json").is_file()
    hashed = static("portal/lab.css")
    assert hashed.startswith("/static/portal/lab.") and hashed != "/static/portal/lab.css"
    assert (Path(settings.STATIC_ROOT) / hashed.removeprefix("/static/")).is_file()


def test_a_stale_manifest_is_collected_again_and_a_fresh_one_left_alone(manifest_storage, settings):
    staticmanifest.ensure_collected()
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    first, collected_at = static("portal/lab.css"), manifest.stat().st_mtime_ns
    staticmanifest.ensure_collected()
    assert manifest.stat().st_mtime_ns == collected_at, "fresh: not collected again"
    css = manifest_storage / "portal" / "lab.css"
    css.write_text("body { color: navy; }\n")
    later = time.time() + 5
    os.utime(css, (later, later))
    (manifest_storage / "portal" / "new.css").write_text("p { margin: 0; }\n")
    staticmanifest.ensure_collected()
    assert static("portal/lab.css") != first, "the changed file has its new hashed name"
    assert static("portal/new.css").startswith("/static/portal/new.")


def test_static_files_that_cannot_be_collected_stop_the_start_saying_what_to_run(manifest_storage, settings, tmp_path):
    settings.STATICFILES_DIRS = [tmp_path / "node_modules" / "bootstrap" / "dist"]
    with pytest.raises(ImproperlyConfigured, match=r"make setup"):
        staticmanifest.ensure_collected()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_uvicorn_started_directly_on_a_checkout_never_collected_serves_pages_and_css(tmp_path):
    """The issue's operator: `uvicorn portal.asgi:application` with DEBUG off
    and no collectstatic. The server collects on its way up."""
    (tmp_path / "profile_settings.py").write_text(
        f"from portal.settings import *  # noqa: F403\nSTATIC_ROOT = {str(tmp_path / 'collected')!r}\n"
    )
    port = _free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VNETLAB_"))}
    clean.pop("REDIS_URL", None)
    env = {
        **clean,
        "DJANGO_SETTINGS_MODULE": "profile_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VNETLAB_SECRET_KEY_FILE": str(tmp_path / "key"),
        "VNETLAB_PRUNE_EVERY_SECONDS": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "portal.asgi:application", "--port", str(port), "--ws", "websockets-sansio"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                page = httpx.get(f"{base}/no/such/page", headers={"Accept": "text/html"}, timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "the server didn't start"
                time.sleep(0.3)
        assert page.status_code == 404 and 'data-status="404"' in page.text, page.text[:500]
        css = next(part.split('"')[0] for part in page.text.split('href="')[1:] if "/portal/portal." in part)
        assert css != "/static/portal/portal.css", "named by its hashed name, from the manifest"
        sheet = httpx.get(base + css, timeout=5)
        assert sheet.status_code == 200 and "text/css" in sheet.headers["content-type"]
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert "collecting them now" in output, output
