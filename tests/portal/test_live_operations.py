"""Long-running operations: derived status, idempotent completion, and the
live pushes every open tab of a sandbox receives over its WebSocket."""

import asyncio
import threading
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.db import connection
from django.utils import timezone

from appservice import services as app_services
from appservice.models import WebApp
from portal.asgi import application
from portal.models import ActivityLogEntry, Notification, Operation
from portal.seed import create_sandbox
from portal.services import complete_due_operations
from tests.helpers import app_of, app_url


@pytest.mark.django_db
def test_status_is_derived_from_time_so_a_dead_server_cant_leave_an_app_restarting(alice):
    """A restart whose end has passed reads Running even if nothing ever
    completed it (the server was killed mid-restart)."""
    app = app_of(alice, "contoso-web")
    op = app_services.user_restart(app)
    past = timezone.now() - timedelta(seconds=5)
    WebApp.objects.filter(pk=app.pk).update(restart_ends_at=past)
    Operation.objects.filter(pk=op.pk).update(ends_at=past)
    html = alice.get(app_url(alice, "overview", "contoso-web")).content.decode()
    assert 'data-status="Running"' in html
    # the page load also settled the operation and its notification
    op.refresh_from_db()
    assert op.status == "Succeeded"
    assert Notification.objects.get(operation=op).title == "Successfully restarted app 'contoso-web'"
    statuses = list(ActivityLogEntry.objects.filter(resource_id=app.arm_id, operation_name="Restart Web App").values_list("status", flat=True))
    assert sorted(statuses) == ["Started", "Succeeded"]


@pytest.mark.django_db
def test_an_app_reads_restarting_until_the_restart_ends(alice, settings):
    settings.VNETLAB_RESTART_SECONDS = 60
    app_services.user_restart(app_of(alice, "contoso-web"))
    html = alice.get(app_url(alice, "overview", "contoso-web")).content.decode()
    assert 'data-status="Restarting"' in html


@pytest.mark.django_db
def test_completing_an_operation_twice_wins_once(alice):
    op = app_services.user_restart(app_of(alice, "contoso-web"))
    later = timezone.now() + timedelta(seconds=5)
    assert complete_due_operations(alice.sandbox, later) == 1
    assert complete_due_operations(alice.sandbox, later) == 0
    assert ActivityLogEntry.objects.filter(detail="", status="Succeeded", operation_name="Restart Web App").count() == 1
    op.refresh_from_db()
    assert op.status == "Succeeded"


@pytest.mark.django_db(transaction=True)
def test_racing_completers_finish_each_operation_exactly_once():
    sandbox = create_sandbox()
    app = WebApp.objects.select_related("sandbox", "plan", "resource_group__subscription").get(sandbox=sandbox, name="contoso-web")
    app_services.user_restart(app)
    later = timezone.now() + timedelta(seconds=5)
    wins = []

    def worker():
        wins.append(complete_due_operations(sandbox, later))
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(wins) == 1
    assert ActivityLogEntry.objects.filter(operation_name="Restart Web App", status="Succeeded").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_plans_racing_for_one_subnet_exactly_one_wins_asvi_42():
    """Two tabs integrate apps of two plans into the same subnet at once
    (Classic): one integration exists afterwards, the other tab got ERR-06."""
    from portal.errors import AzureRuleError

    sandbox = create_sandbox()
    results = []
    barrier = threading.Barrier(2)

    def integrate(name):
        app = WebApp.objects.select_related("sandbox", "plan", "resource_group__subscription").get(sandbox=sandbox, name=name)
        sub = app_services.Subnet.objects.select_related("vnet").get(vnet__sandbox=sandbox, name="integration-subnet")
        barrier.wait()
        try:
            app_services.add_regional_integration(app, sub.vnet, subnet=sub)
            results.append("won")
        except AzureRuleError as exc:
            results.append(exc.err_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=integrate, args=(n,)) for n in ("contoso-web", "contoso-api")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ERR-06", "won"]
    assert app_services.VnetIntegration.objects.filter(app__sandbox=sandbox).count() == 1


# --- WebSocket consumer --------------------------------------------------------------------


def _cookie_for(sandbox) -> bytes:
    store = SessionStore()
    store["sandbox"] = str(sandbox.secret)
    store.save()
    return f"sessionid={store.session_key}".encode()


def _communicator(sandbox=None):
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    if sandbox is not None:
        headers.append((b"cookie", _cookie_for(sandbox)))
    return WebsocketCommunicator(application, "/ws/sandbox/", headers=headers)


@pytest.mark.django_db(transaction=True)
async def test_a_socket_without_a_sandbox_is_refused():
    communicator = _communicator()
    connected, code = await communicator.connect()
    assert not connected
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_socket_from_another_origin_is_refused():
    sandbox = await database_sync_to_async(create_sandbox)()
    communicator = WebsocketCommunicator(
        application,
        "/ws/sandbox/",
        headers=[(b"origin", b"http://evil.example"), (b"host", b"127.0.0.1:8000"), (b"cookie", _cookie_for(sandbox))],
    )
    connected, _ = await communicator.connect()
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_every_tab_of_the_sandbox_sees_restarting_then_running_and_others_see_nothing(settings):
    settings.VNETLAB_RESTART_SECONDS = 0.3
    mine = await database_sync_to_async(create_sandbox)()
    theirs = await database_sync_to_async(create_sandbox)()
    tab1, tab2, stranger = _communicator(mine), _communicator(mine), _communicator(theirs)
    for tab in (tab1, tab2, stranger):
        connected, _ = await tab.connect()
        assert connected

    def integrate():
        app = WebApp.objects.select_related("sandbox", "plan", "resource_group__subscription").get(sandbox=mine, name="contoso-web")
        sub = app_services.Subnet.objects.select_related("vnet").get(vnet__sandbox=mine, name="integration-subnet")
        app_services.add_regional_integration(app, sub.vnet, subnet=sub)
        return app.pk

    app_pk = await database_sync_to_async(integrate)()
    for tab in (tab1, tab2):
        first = await tab.receive_from(timeout=3)
        assert f'id="app-status-{app_pk}"' in first
        assert 'data-status="Restarting"' in first
        assert "Adding VNet Integration" in first
        running = await _wait_for(tab, 'data-status="Running"', app_pk)
        assert "Added VNet Integration" in running
    assert await stranger.receive_nothing(timeout=0.5)
    for tab in (tab1, tab2, stranger):
        await tab.disconnect()


async def _wait_for(tab, needle, app_pk, timeout=5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        assert remaining > 0, f"no push with {needle}"
        message = await tab.receive_from(timeout=remaining)
        marker = f'id="app-status-{app_pk}" class="az-status az-status-running" data-status="Running"'
        if needle in message and marker in message:
            return message
