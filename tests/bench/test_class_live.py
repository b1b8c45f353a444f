"""`make bench-class-serve`'s reading of the live tabs (tests/bench/class_live.py):
the pushes it looks for are the ones the lab renders, and a lost one is
counted as lost. No server: the messages are the lab's own push fragments,
rendered here."""

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db.models import Max
from django.utils import timezone

from appservice import services as appservice_services
from appservice.models import WebApp
from portal import services
from portal.models import Notification, NotificationLevel
from tests.bench.class_bench import Sample, serve_refusal
from tests.bench.class_live import deliveries
from tests.helpers import app_of

HELLO_ANSWER = '<div id="ws-status" data-state="live"></div>'


def _learner(client, samples, messages):
    tab = SimpleNamespace(messages=[(0.0, HELLO_ANSWER), *messages], closed_at=None, closing_at=float("inf"))
    app = app_of(client, "contoso-web")
    return SimpleNamespace(index=0, ids={"sandbox": client.sandbox.pk, "app": app.pk}, samples=samples, tab=tab)


def _write(name, action):
    """Run ``action`` as the server would for a write; its Sample and result."""
    at = time.time()
    result = action()
    return Sample("write", name, (time.time() - at) * 1000, 200, at=at), result


def _saved(sandbox, title: str) -> Notification:
    return services.notify(sandbox, title, level=NotificationLevel.SUCCESS)


def _pushed(sandbox, note_pk, app_pk) -> tuple[float, str]:
    """The push a tab gets for a notification, stamped as it arrives."""
    html = services.render_push(sandbox, toasts=[note_pk], badges={"Microsoft.Web/sites": [app_pk]})
    return time.time(), html


def _newest_note() -> int:
    """The seed's notifications are not the class's: a phase counts those after it."""
    return Notification.objects.aggregate(last=Max("pk"))["last"] or 0


@pytest.fixture
def restarts_at_once(settings):
    settings.VNETLAB_RESTART_SECONDS = 0


def test_it_counts_every_write_pushed_and_measures_the_restart_from_its_end(alice, restarts_at_once):
    sandbox, app = alice.sandbox, app_of(alice, "contoso-web")
    since = _newest_note()
    subnet, note = _write("add subnet", lambda: _saved(sandbox, "Saved subnet"))
    integrate, op = _write("integrate", lambda: appservice_services.restart_app(app))
    progress = _pushed(sandbox, note.pk, app.pk), _pushed(sandbox, op.notification.pk, app.pk)
    services.complete_due_operations(sandbox)
    done = _pushed(sandbox, op.notification.pk, app.pk)

    live = deliveries([_learner(alice, [subnet, integrate], [*progress, done])], since, 0.0)

    assert (live["writes"], live["writes_pushed"], live["writes_without_push"]) == (2, 2, 0)
    assert (live["restarts"], live["restarts_measured"], live["restarts_missing"]) == (1, 1, 0)
    assert live["beyond_p95_ms"] == pytest.approx((done[0] - op.ends_at.timestamp()) * 1000, abs=0.1)
    assert live["delivered"]


def test_a_write_whose_push_never_came_is_counted_lost(alice):
    sandbox, app = alice.sandbox, app_of(alice, "contoso-web")
    since = _newest_note()
    first, note = _write("add subnet", lambda: _saved(sandbox, "Saved subnet"))
    second, _ = _write("add NSG rule", lambda: _saved(sandbox, "Saved rule"))

    live = deliveries([_learner(alice, [first, second], [_pushed(sandbox, note.pk, app.pk)])], since, 0.0)

    assert (live["writes_pushed"], live["writes_without_push"], live["notes_missing"]) == (1, 1, 1)
    assert not live["delivered"]
    assert "add NSG rule" in live["first_lost"][1]


def test_a_restart_a_later_one_extended_is_superseded_not_measured(alice, restarts_at_once):
    sandbox, app = alice.sandbox, app_of(alice, "contoso-web")
    since = _newest_note()
    save, op = _write("save app setting", lambda: appservice_services.restart_app(app))
    services.complete_due_operations(sandbox)
    # Another restart began before this one's end: the app still reads Restarting.
    WebApp.objects.filter(pk=app.pk).update(restart_ends_at=timezone.now() + timedelta(seconds=60))

    live = deliveries([_learner(alice, [save], [_pushed(sandbox, op.notification.pk, app.pk)])], since, 0.0)

    assert (live["restarts"], live["restarts_superseded"], live["restarts_measured"]) == (1, 1, 0)
    assert live["delivered"]


def test_a_tab_the_server_closed_is_counted_dropped(alice):
    learner = _learner(alice, [], [])
    learner.tab.closed_at, learner.tab.closing_at = 5.0, 7.0

    live = deliveries([learner], _newest_note(), 0.0)

    assert live["tabs_dropped"] == 1
    assert "closed its tab" in live["first_lost"][0]


@pytest.mark.parametrize(
    ("database", "redis", "refused"),
    [
        ("sqlite:///bench.sqlite3", "redis://127.0.0.1:6379/9", "DATABASE_URL naming a PostgreSQL server"),
        ("postgres://postgres@127.0.0.1:5432/postgres", "", "REDIS_URL"),
        ("postgres://postgres@127.0.0.1:5432/postgres", "redis://127.0.0.1:6379/0", "not db 0"),
        ("postgres://postgres@127.0.0.1:5432/postgres", "redis://127.0.0.1:6379", "not db 0"),
        ("postgres://postgres@127.0.0.1:5432/postgres", "redis://127.0.0.1:6379/9", ""),
    ],
)
def test_serve_mode_refuses_what_make_serve_would_not_run_on(monkeypatch, database, redis, refused):
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("REDIS_URL", redis)
    refusal = serve_refusal(SimpleNamespace(workers=2))
    assert refused in refusal if refused else refusal == ""
