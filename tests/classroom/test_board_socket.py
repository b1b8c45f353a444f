"""The board's WebSocket (CLS-20): only the class's instructor may open it;
a learner's change pushes that learner's row (one row) to it, and nothing
of the board reaches a learner's tab."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection, transaction
from django.test import Client

from appservice.models import WebApp
from appservice.services import restart_app
from classroom.models import Seat
from classroom.services import create_class, create_instructor
from labs import catalog
from labs import services as lab_services
from portal import live
from portal.asgi import application
from portal.services import complete_due_operations_of
from tests.helpers import create_group, persona
from tests.helpers.sockets import receive_until, tab_socket

pytestmark = pytest.mark.django_db(transaction=True)
# A socket's connect and close, on a machine busy with other tests: the
# communicator's 1 s default is shorter than a loaded database's answer.
SLOW = 10


@pytest.fixture(autouse=True)
def no_server_loop(monkeypatch):
    """As tests/labs/test_live_panel.py: no earlier server's loop to grade on."""
    monkeypatch.setattr(live, "_server_loop", None)


def _board_socket(klass_pk: int, cookie: str | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, f"/ws/classroom/{klass_pk}/board/", headers=headers)


def _cookie(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@database_sync_to_async
def _room():
    dana = create_instructor("dana", "tidal-basin-gateway-42")
    erin = create_instructor("erin", "tidal-basin-gateway-43")
    klass = create_class(dana, "AZ-104 Tuesday", lab_ids=["integrate-same-region"])
    learner = persona(Client())
    seat = Seat.objects.create(klass=klass, sandbox=learner.sandbox, display_name="Ada")
    lab_services.start_lab(learner.sandbox, catalog.get("integrate-same-region"))
    cookies = {}
    for name, instructor in (("dana", dana), ("erin", erin)):
        client = Client()
        client.force_login(instructor.user)
        cookies[name] = _cookie(client)
    cookies["learner"] = _cookie(learner)
    return klass, seat, learner, cookies


async def test_only_the_classs_instructor_may_open_the_board_socket_cls_20():
    klass, _, _, cookies = await _room()
    for who in ("erin", "learner", None):
        socket = _board_socket(klass.pk, cookies.get(who) if who else None)
        connected, code = await socket.connect(timeout=SLOW)
        assert not connected and code == 4403, who
    socket = _board_socket(klass.pk + 1000, cookies["dana"])
    assert (await socket.connect(timeout=SLOW)) == (False, 4403)
    socket = _board_socket(klass.pk, cookies["dana"])
    assert (await socket.connect(timeout=SLOW))[0]
    await socket.disconnect(timeout=SLOW)


def _served_change(learner: Client) -> None:
    try:
        create_group(learner, "lab-rg")
    finally:
        connection.close()


async def test_a_learners_change_pushes_their_row_to_the_board_and_nothing_to_the_learner_cls_20():
    klass, seat, learner, cookies = await _room()
    board = _board_socket(klass.pk, cookies["dana"])
    assert (await board.connect(timeout=SLOW))[0]
    tab = tab_socket(learner.sandbox)
    assert (await tab.connect(timeout=SLOW))[0]
    await asyncio.to_thread(_served_change, learner)
    row = await receive_until(board, f'id="board-row-{seat.pk}"')
    assert 'hx-swap-oob="true"' in row and "Create Resource Group" in row
    assert row.count("<tr") == 1  # one row, not the board
    while not await tab.receive_nothing(timeout=1):  # the panel and the bell, never the row
        assert "board-row" not in await tab.receive_from()
    await board.disconnect(timeout=SLOW)
    await tab.disconnect(timeout=SLOW)


def _join(code: str, name: str) -> None:
    try:
        Client().post(f"/join/{code}/", {"display_name": name})
    finally:
        connection.close()


async def test_a_learner_who_joins_while_the_board_is_open_is_added_to_it_cls_20():
    klass, _, _, cookies = await _room()
    board = _board_socket(klass.pk, cookies["dana"])
    assert (await board.connect(timeout=SLOW))[0]
    await asyncio.to_thread(_join, klass.code, "Bea")
    added = await receive_until(board, "Bea")
    assert 'hx-swap-oob="beforeend:#board-rows"' in added and added.count("<tr") == 1
    assert await board.receive_from() == '<tr id="board-empty" hx-swap-oob="delete"></tr>'
    rows = [added]
    while not await board.receive_nothing(timeout=1):  # drawn again once the lab has started
        rows.append(await board.receive_from())
    assert all("Bea" in row and row.count("<tr") == 1 for row in rows)
    assert "Task 1 of" in rows[-1]
    await board.disconnect(timeout=SLOW)


def _changes(learner: Client, count: int) -> None:
    try:
        for n in range(count):
            create_group(learner, f"burst-{n}-rg")
    finally:
        connection.close()


async def test_a_burst_of_changes_ends_with_the_row_as_it_is_not_a_row_per_change_cls_20():
    """The board draws rows that moved since it last looked: however many
    changes came in between, its last row is the learner's state now."""
    klass, seat, learner, cookies = await _room()
    board = _board_socket(klass.pk, cookies["dana"])
    assert (await board.connect(timeout=SLOW))[0]
    await asyncio.to_thread(_changes, learner, 4)
    rows = []
    while not await board.receive_nothing(timeout=1.5):
        rows.append(await board.receive_from())
    assert rows and all(f'id="board-row-{seat.pk}"' in r and r.count("<tr") == 1 for r in rows)
    assert rows[-1].count("Create Resource Group") >= 3  # the last three actions
    await board.disconnect(timeout=SLOW)


@database_sync_to_async
def _restart(sandbox_pk: int):
    """The learner's app restarts, as VNet integration's end makes it."""
    with transaction.atomic():
        return restart_app(WebApp.objects.filter(sandbox_id=sandbox_pk).first())


async def test_an_operation_finished_on_a_timer_redraws_the_learners_row_cls_20():
    """The server's timer finishes the restart at its end, outside any
    request (portal.services.finish_on_time); the board's row then reads
    "Succeeded" without the learner doing anything more."""
    klass, seat, learner, cookies = await _room()
    board = _board_socket(klass.pk, cookies["dana"])
    assert (await board.connect(timeout=SLOW))[0]  # the test's loop is the server's now
    operation = await _restart(learner.sandbox.pk)
    assert live.run_at(
        operation.ends_at.timestamp(), ("operation", operation.pk), complete_due_operations_of, learner.sandbox.pk
    )
    row = await receive_until(board, "Succeeded", timeout=10)
    assert f'id="board-row-{seat.pk}"' in row and "Restart Web App" in row
    await board.disconnect(timeout=SLOW)


@database_sync_to_async
def _idle_for(sandbox, minutes: int) -> None:
    """The learner's lab started, and their last change went through,
    ``minutes`` ago: time passing, as the board sees it."""
    from datetime import timedelta

    from django.utils import timezone

    from labs.models import LabRun
    from portal.models import ActivityLogEntry

    then = timezone.now() - timedelta(minutes=minutes)
    LabRun.objects.filter(sandbox=sandbox).update(started_at=then)
    ActivityLogEntry.objects.filter(sandbox=sandbox).update(timestamp=then)


async def test_time_alone_raises_the_no_progress_flag_on_an_open_board_cls_16(monkeypatch):
    from classroom import consumers
    from classroom.board import idle_minutes

    monkeypatch.setattr(consumers, "IDLE_LOOK_SECONDS", 0.2)
    klass, seat, learner, cookies = await _room()
    board = _board_socket(klass.pk, cookies["dana"])
    assert (await board.connect(timeout=SLOW))[0]
    await board.send_to(text_data="{}")  # the page's hello: every row as it is
    hello = await receive_until(board, f'id="board-row-{seat.pk}"')
    assert 'data-stuck="no"' in hello
    assert await board.receive_nothing(timeout=1)  # nothing moved: nothing drawn
    await _idle_for(learner.sandbox, idle_minutes() + 1)
    row = await receive_until(board, 'data-stuck="yes"')
    assert f'id="board-row-{seat.pk}"' in row
    assert f"No progress for {idle_minutes() + 1} min" in row
    await _idle_for(learner.sandbox, idle_minutes() + 2)  # a minute later: the count moves
    row = await receive_until(board, f"No progress for {idle_minutes() + 2} min")
    assert row.count("<tr") == 1
    await board.disconnect(timeout=SLOW)


def test_idle_moved_names_only_rows_whose_flag_says_something_new_cls_16(settings):
    from classroom.live import idle_moved

    settings.VNETLAB_BOARD_IDLE_MINUTES = 5
    before = {1: 0, 2: 4, 3: 5, 4: 7, 5: 9}
    now = {1: 1, 2: 5, 3: 5, 4: 8}  # 5's lab finished
    assert sorted(idle_moved(before, now)) == [2, 4, 5]
