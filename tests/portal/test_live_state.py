"""Live state that heals (issue #12): the server finishes each operation at
its end with no tab open and no page asked for, and as it starts those that
ended while it was down; a tab that (re)connects gets the state of what it
shows."""

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from appservice import services as app_services
from appservice.models import WebApp
from labs import catalog
from labs import services as lab_services
from portal import live
from portal.models import ActivityLogEntry, Notification, Operation
from portal.seed import create_sandbox
from tests.helpers.sockets import LIVE_MARKER, Server, hello, receive_until, tab_socket

pytestmark = pytest.mark.django_db(transaction=True)


def _app(sandbox, name: str = "contoso-web") -> WebApp:
    return WebApp.objects.select_related("sandbox", "plan", "resource_group__subscription").get(
        sandbox=sandbox, name=name
    )


@database_sync_to_async
def _restart(sandbox, name: str = "contoso-web", *, ends_in: float | None = None) -> Operation:
    """Restart an app; ``ends_in`` (seconds, negative for the past) moves its
    end, as if the restart had started that much earlier or later."""
    app = _app(sandbox, name)
    op = app_services.user_restart(app)
    if ends_in is not None:
        ends_at = timezone.now() + timedelta(seconds=ends_in)
        WebApp.objects.filter(pk=app.pk).update(restart_ends_at=ends_at)
        Operation.objects.filter(pk=op.pk).update(ends_at=ends_at)
    return op


@database_sync_to_async
def _status(op: Operation) -> str:
    return Operation.objects.get(pk=op.pk).status


async def _until_finished(op: Operation, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await _status(op) != "Succeeded":
        assert loop.time() < deadline, f"{op.title} was never finished"
        await asyncio.sleep(0.05)


# --- The server finishes operations on time --------------------------------------------------


async def test_the_server_finishes_at_its_start_what_ended_while_it_was_down_in_every_sandbox(settings):
    """Restarts that ended while no server ran are finished by the start
    itself (notification, Activity log), before it serves; one still running
    is finished at its end with no tab open and no page asked for."""
    settings.VNETLAB_RESTART_SECONDS = 60  # no timer of this test's making fires meanwhile
    mine, theirs = await database_sync_to_async(create_sandbox)(), await database_sync_to_async(create_sandbox)()
    ended = await _restart(mine, ends_in=-30)
    also_ended = await _restart(theirs, ends_in=-5)
    # Ends a few seconds after the server starts: long enough that a loaded
    # machine's start (CI beside other work) still finds it running.
    running = await _restart(mine, "contoso-api", ends_in=4.0)

    async with Server():
        assert await _status(ended) == "Succeeded"
        assert await _status(also_ended) == "Succeeded"
        assert await _status(running) == "Running"
        assert ("operation", running.pk) in live.timer_keys()
        await _until_finished(running, timeout=10.0)

    note = await database_sync_to_async(Notification.objects.get)(operation=ended)
    assert note.title == "Successfully restarted app 'contoso-web'"
    assert note.level == "success"
    logged = await database_sync_to_async(
        lambda: sorted(
            ActivityLogEntry.objects.filter(sandbox=mine, operation_name="Restart Web App").values_list(
                "status", flat=True
            )
        )
    )()
    assert logged == ["Started", "Started", "Succeeded", "Succeeded"]


async def test_the_server_finishes_a_restart_with_no_tab_open_and_no_page_asked_for(settings):
    settings.VNETLAB_RESTART_SECONDS = 0.3
    sandbox = await database_sync_to_async(create_sandbox)()
    async with Server():
        op = await _restart(sandbox)
        assert await _status(op) == "Running"
        await _until_finished(op, timeout=3)
        app = await database_sync_to_async(_app)(sandbox)
        assert app.status_at(timezone.now()) == "Running"
        note = await database_sync_to_async(Notification.objects.get)(operation=op)
        assert (note.title, note.unread) == ("Successfully restarted app 'contoso-web'", True)


async def test_a_stopping_server_leaves_its_timers_to_the_next_start(settings):
    settings.VNETLAB_RESTART_SECONDS = 60
    sandbox = await database_sync_to_async(create_sandbox)()
    async with Server():
        op = await _restart(sandbox)
        await asyncio.sleep(0.05)  # the timer is set from the request's thread
        assert ("operation", op.pk) in live.timer_keys()
    assert ("operation", op.pk) not in live.timer_keys()
    assert await _status(op) == "Running"


# --- A tab that (re)connects gets the state of what it shows ---------------------------------


async def test_a_tab_gets_the_state_of_the_elements_it_names_as_it_connects(settings):
    settings.VNETLAB_RESTART_SECONDS = 60
    sandbox = await database_sync_to_async(create_sandbox)()
    op = await _restart(sandbox)
    app = await database_sync_to_async(_app)(sandbox)
    browser = tab_socket(sandbox)
    assert (await browser.connect())[0]

    await browser.send_to(
        text_data=hello([f"app-status-{app.pk}", "bell-count", "notification-list", "cluster-status-424242", "junk"])
    )
    state = await receive_until(browser, LIVE_MARKER)
    assert f'id="app-status-{app.pk}" class="az-status az-status-restarting" data-status="Restarting"' in state
    assert 'id="bell-count"' in state
    assert 'id="notification-list"' in state and op.title.replace("'", "&#x27;") in state
    assert "cluster-status-" not in state
    assert 'id="lab-panel"' not in state  # no lab in progress, and not asked for

    # A page without the notification list gets the bell's count only.
    await browser.send_to(text_data=hello(["bell-count"]))
    state = await receive_until(browser, LIVE_MARKER)
    assert 'id="bell-count"' in state and 'id="notification-list"' not in state
    await browser.disconnect()


async def test_a_tab_open_across_a_server_restart_gets_running_and_the_finished_toast(settings):
    """The restart ended while the server was down (no timer, no push): the
    tab that reconnects names its badge and its spinning toast, and gets
    Running and the toast that replaces it."""
    settings.VNETLAB_RESTART_SECONDS = 60
    sandbox = await database_sync_to_async(create_sandbox)()
    op = await _restart(sandbox, ends_in=-2)
    app = await database_sync_to_async(_app)(sandbox)
    note = await database_sync_to_async(Notification.objects.get)(operation=op)
    browser = tab_socket(sandbox)
    assert (await browser.connect())[0]

    await browser.send_to(text_data=hello([f"app-status-{app.pk}"], toasts=[note.pk]))
    state = await receive_until(browser, LIVE_MARKER)
    assert f'id="app-status-{app.pk}" class="az-status az-status-running" data-status="Running"' in state
    assert f'data-level="success" data-note="{note.pk}"' in state
    assert "Successfully restarted app &#x27;contoso-web&#x27;" in state
    assert await _status(op) == "Succeeded"
    await browser.disconnect()


async def test_a_tab_names_nothing_of_another_sandbox():
    mine, theirs = await database_sync_to_async(create_sandbox)(), await database_sync_to_async(create_sandbox)()
    their_app = await database_sync_to_async(_app)(theirs)
    their_note = await database_sync_to_async(
        lambda: Notification.objects.create(sandbox=theirs, title="Theirs", level="success")
    )()
    browser = tab_socket(mine)
    assert (await browser.connect())[0]
    await browser.send_to(text_data=hello([f"app-status-{their_app.pk}"], toasts=[their_note.pk]))
    state = await receive_until(browser, LIVE_MARKER)
    assert "app-status-" not in state
    assert "Theirs" not in state and "data-note" not in state
    await browser.disconnect()


@pytest.mark.parametrize(
    "message",
    [
        "not json",
        "[1, 2]",
        '{"live": "bell-count"}',
        '{"live": [], "toasts": 3}',
        '{"live": ["bell-\\u0000count"]}',
        "[" * 100_000,
        '{"live": ["' + "x" * 70_000 + '"]}',
    ],
    ids=["text", "list", "live-not-a-list", "toasts-not-a-list", "nul", "nested", "oversized"],
)
async def test_anything_but_a_hello_answers_nothing_and_leaves_the_tab_connected(message):
    sandbox = await database_sync_to_async(create_sandbox)()
    browser = tab_socket(sandbox)
    assert (await browser.connect())[0]
    await browser.send_to(text_data=message)
    assert await browser.receive_nothing(timeout=0.3)
    await browser.send_to(text_data=hello(["bell-count", 7, None, "²"], toasts=["²", "-1", "x"]))
    assert 'id="bell-count"' in await receive_until(browser, LIVE_MARKER)
    await browser.disconnect()


async def test_a_tab_with_a_lab_in_progress_gets_the_panel_as_it_is():
    """The lab panel is a higher app's live element (labs registers it): a
    tab that names #lab-panel gets it from the run's last grade."""
    sandbox = await database_sync_to_async(create_sandbox)()
    await database_sync_to_async(lab_services.start_lab)(sandbox, catalog.get("integrate-same-region"))
    browser = tab_socket(sandbox)
    assert (await browser.connect())[0]
    await browser.send_to(text_data=hello(["lab-panel", "bell-count"]))
    state = await receive_until(browser, LIVE_MARKER)
    assert '<section id="lab-panel"' in state and 'hx-swap-oob="true"' in state
    assert "Task 0 of 1 complete" in state
    await browser.disconnect()


def test_an_idle_tab_keeps_its_channel_past_the_layers_wait():
    """A tab nothing happens to for longer than the channel layer's wait for
    a message (channels_redis: 5 s) keeps waiting: with Redis (the scale-out
    setup) the socket read used to time out first, raise inside the
    consumer and close the tab's WebSocket (issue #12, `make serve`)."""
    from channels.layers import get_channel_layer

    async def idle() -> str:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        try:
            await asyncio.wait_for(layer.receive(channel), timeout=6.5)
        except TimeoutError:  # ours: nothing came, and nothing broke
            return "still waiting"
        return "a message?"

    assert asyncio.run(idle()) == "still waiting"


def test_the_server_start_takes_what_it_loaded_out_of_the_collectors_full_passes():
    """What the process loaded before it serves (Django, the apps: ~150,000
    objects) stays for its life; each full garbage collection walked it, ~20
    ms of a troubleshooter request at 100 times the seed's size. The
    lifespan's startup freezes it (portal/lifespan.py)."""
    import gc

    from portal.lifespan import freeze_loaded_objects

    before = gc.get_freeze_count()
    try:
        assert freeze_loaded_objects() > before + 10_000
    finally:
        gc.unfreeze()  # the test process's objects back to the collector
