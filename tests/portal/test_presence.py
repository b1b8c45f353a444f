"""Pushes are drawn only for a sandbox with a tab open, in any worker
(portal/presence.py, issue #12 "Fast for a class"): a write with no tab
open draws and sends nothing, and one with a tab open reaches it."""

import asyncio
from dataclasses import dataclass

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from appservice import services as app_services
from portal import presence
from portal.models import Notification, OpenTab
from tests.helpers import app_of, create_group, persona
from tests.helpers.sockets import Server, receive_until, tab_elsewhere, tab_socket, templates_drawn

pytestmark = pytest.mark.django_db(transaction=True)

PUSH = "portal/push.html"


@dataclass
class Write:
    """What one of the learner's writes cost the server."""

    templates: list[str]
    queries: int


@database_sync_to_async
def _learner() -> Client:
    return persona(Client())


@database_sync_to_async
def _create_group(learner: Client, name: str) -> Write:
    with templates_drawn() as templates, CaptureQueriesContext(connection) as queries:
        create_group(learner, name)
    return Write(templates, len(queries.captured_queries))


async def _listener(sandbox) -> str:
    """A channel in the sandbox's group, as every tab's is: it hears any push sent."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(sandbox.group_name, channel)
    return channel


async def _heard(channel: str, timeout: float = 0.5) -> dict | None:
    try:
        return await asyncio.wait_for(get_channel_layer().receive(channel), timeout)
    except TimeoutError:
        return None


@database_sync_to_async
def _rows(sandbox) -> list[tuple[str, object]]:
    return list(OpenTab.objects.filter(sandbox=sandbox).values_list("channel_name", "seen_at"))


async def test_a_write_with_no_tab_open_draws_no_push_and_sends_nothing():
    learner = await _learner()
    channel = await _listener(learner.sandbox)

    alone = await _create_group(learner, "alone-rg")
    assert PUSH not in alone.templates
    assert await _heard(channel) is None
    # The write itself happened: its notification is there for the bell.
    assert await database_sync_to_async(
        Notification.objects.filter(sandbox=learner.sandbox, body__contains="alone-rg").exists
    )()

    await database_sync_to_async(tab_elsewhere)(learner.sandbox)
    watched = await _create_group(learner, "watched-rg")
    assert PUSH in watched.templates
    assert "watched-rg" in (await _heard(channel))["html"]
    # The push's reads (the toast, the bell's count: the list is the open
    # pane's to fetch) are what was saved.
    assert watched.queries - alone.queries >= 2


async def test_a_tab_open_gets_the_writes_push():
    learner = await _learner()
    tab = tab_socket(learner.sandbox)
    assert (await tab.connect())[0]
    write = await _create_group(learner, "seen-rg")
    assert PUSH in write.templates
    toast = await receive_until(tab, "Resource group created")
    assert "seen-rg" in toast
    await tab.disconnect()


async def test_a_tab_not_seen_for_two_heartbeats_counts_as_none():
    """A worker killed with its sockets open stamps its rows no more."""
    learner = await _learner()
    channel = await _listener(learner.sandbox)
    stale = 2.5 * presence.HEARTBEAT_SECONDS + 1
    await database_sync_to_async(tab_elsewhere)(learner.sandbox, seen_ago=stale)

    write = await _create_group(learner, "stale-rg")
    assert PUSH not in write.templates
    assert await _heard(channel) is None


async def test_a_stale_row_is_deleted_when_a_socket_opens_and_a_live_one_kept(monkeypatch):
    learner, other = await _learner(), await _learner()
    await database_sync_to_async(tab_elsewhere)(other.sandbox, seen_ago=3600, channel_name="specific.dead!1")
    await database_sync_to_async(tab_elsewhere)(other.sandbox, seen_ago=10, channel_name="specific.alive!1")
    monkeypatch.setattr(presence, "_next_prune", 0.0)

    tab = tab_socket(learner.sandbox)
    assert (await tab.connect())[0]
    assert [name for name, _ in await _rows(other.sandbox)] == ["specific.alive!1"]
    await tab.disconnect()


async def test_closing_the_tab_deletes_its_row_and_pushes_stop():
    learner = await _learner()
    tab = tab_socket(learner.sandbox)
    assert (await tab.connect())[0]
    assert len(await _rows(learner.sandbox)) == 1
    await tab.disconnect()
    assert await _rows(learner.sandbox) == []

    write = await _create_group(learner, "after-rg")
    assert PUSH not in write.templates


async def test_with_two_tabs_open_one_closes_and_the_other_still_gets_pushes():
    learner = await _learner()
    first, second = tab_socket(learner.sandbox), tab_socket(learner.sandbox)
    for tab in (first, second):
        assert (await tab.connect())[0]
    await first.disconnect()
    assert len(await _rows(learner.sandbox)) == 1

    await _create_group(learner, "second-rg")
    assert "second-rg" in await receive_until(second, "Resource group created")
    await second.disconnect()


async def test_an_open_tab_stamps_its_row_so_it_never_goes_stale(monkeypatch):
    monkeypatch.setattr(presence, "HEARTBEAT_SECONDS", 0.05)
    learner = await _learner()
    tab = tab_socket(learner.sandbox)
    assert (await tab.connect())[0]
    [(_, opened_at)] = await _rows(learner.sandbox)
    await asyncio.sleep(0.3)
    [(_, stamped_at)] = await _rows(learner.sandbox)
    assert stamped_at > opened_at
    await tab.disconnect()


async def test_with_no_tab_open_the_server_still_finishes_a_restart_and_draws_nothing(settings):
    settings.VNETLAB_RESTART_SECONDS = 0.3
    learner = await _learner()
    with templates_drawn() as templates:
        async with Server():
            op = await database_sync_to_async(lambda: app_services.user_restart(app_of(learner, "contoso-web")))()
            note = Notification.objects.filter(operation=op)
            for _ in range(100):
                if await database_sync_to_async(note.filter(level="success").exists)():
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the restart was never finished")
    assert PUSH not in templates
