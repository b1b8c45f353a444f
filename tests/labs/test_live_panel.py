"""The lab panel after a change (labs/live.py): the lab is graded whether or
not a tab is open, and the panel is drawn and sent only to a sandbox with a
tab open (portal/presence.py)."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test import Client

from labs import catalog
from labs import services as lab_services
from labs.models import LabRun
from portal import live
from tests.helpers import create_group, persona
from tests.helpers.sockets import receive_until, tab_elsewhere, tab_socket, templates_drawn

pytestmark = pytest.mark.django_db(transaction=True)

PANEL = "labs/panel.html"


@pytest.fixture(autouse=True)
def no_server_loop(monkeypatch):
    """No server's loop to grade on, whatever earlier tests served: the
    browser tests' server (a thread of this process, still running) is the
    one the ASGI application last saw, and a change would be graded there
    after the debounce instead of at once. A tab's socket makes the test's
    own loop the server's."""
    monkeypatch.setattr(live, "_server_loop", None)


@database_sync_to_async
def _learner_in_a_lab() -> Client:
    learner = persona(Client())
    lab_services.start_lab(learner.sandbox, catalog.get("integrate-same-region"))
    LabRun.objects.filter(sandbox=learner.sandbox).update(graded_at=None)
    return learner


@database_sync_to_async
def _change(learner: Client, name: str) -> list[str]:
    """A change in the sandbox; the templates it drew."""
    with templates_drawn() as templates:
        create_group(learner, name)
    return templates


def _served_change(learner: Client, name: str) -> None:
    try:
        create_group(learner, name)
    finally:
        connection.close()


@database_sync_to_async
def _graded(learner: Client) -> bool:
    return LabRun.objects.filter(sandbox=learner.sandbox, graded_at__isnull=False).exists()


async def test_with_no_tab_open_a_change_is_graded_and_no_panel_drawn():
    learner = await _learner_in_a_lab()
    templates = await _change(learner, "lab-rg")
    assert await _graded(learner)
    assert PANEL not in templates


async def test_a_tab_open_gets_the_panel_after_a_change():
    learner = await _learner_in_a_lab()
    tab = tab_socket(learner.sandbox)
    assert (await tab.connect())[0]
    with templates_drawn() as templates:
        # From a thread of its own, as the server's HTTP threads are: the
        # grading waits on the server's loop for the burst of changes to end.
        await asyncio.to_thread(_served_change, learner, "lab-rg")
        panel = await receive_until(tab, '<section id="lab-panel"')
    assert "Task 0 of 1 complete" in panel
    assert PANEL in templates
    assert await _graded(learner)
    await tab.disconnect()



def _generation(learner: Client) -> int:
    from portal.models import Sandbox

    return Sandbox.objects.get(pk=learner.sandbox.pk).generation


def _stored_grade(learner: Client):
    run = LabRun.objects.get(sandbox=learner.sandbox, finished_at__isnull=True)
    return lab_services.shown(run), run.graded_at


def test_a_change_that_moves_no_check_keeps_the_sandboxs_pages():
    """The regrade after a change that moves no check (a second resource
    group here) stores only the grade's time: the sandbox's generation, on
    which its kept pages hang, stays where the change left it. A change that
    moves one (the first grade: "checked" now) moves it. The open tabs get
    the panel after both (a push drawn before the change may have reached
    them after its answer)."""
    learner = persona(Client())
    lab_services.start_lab(learner.sandbox, catalog.get("integrate-same-region"))
    LabRun.objects.filter(sandbox=learner.sandbox).update(graded_at=None)
    tab_elsewhere(learner.sandbox)  # pushes are drawn for the sandbox
    before = _generation(learner)
    with templates_drawn() as templates:
        create_group(learner, "lab-rg")
    assert PANEL in templates
    assert _generation(learner) == before + 2  # the change, then the grade the panel shows "checked"
    shown, graded_at = _stored_grade(learner)

    before = _generation(learner)
    with templates_drawn() as templates:
        create_group(learner, "lab-rg-2")
    assert PANEL in templates
    assert _generation(learner) == before + 1  # the change alone
    still, regraded_at = _stored_grade(learner)
    assert still == shown and regraded_at > graded_at
