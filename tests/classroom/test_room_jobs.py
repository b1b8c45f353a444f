"""The room's actions over every seat run as a job (CLS-28): the POST claims
the class's one job and answers at once, the seats are done off the request
on a server (at once here, outside one), the room's bar follows the job's
progress and names its failures, a second action while one runs is refused,
and a job whose server went away shows as interrupted and blocks nothing."""

import asyncio
import threading
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from classroom import room
from classroom.models import Class, ClassEvent, RoomJob
from labs import services as labs
from labs.models import LabRun
from portal import live
from portal import services as portal_services
from portal.models import Notification, Sandbox
from tests.classroom.conftest import room_url as _url
from tests.classroom.conftest import seat_in
from tests.helpers import HX

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
NAMES = ("Ana", "Ben", "Chen", "Dee", "Eli", "Fay", "Gus")


def _room(klass: Class, count: int) -> list:
    return [seat_in(klass, name) for name in NAMES[:count]]


def _running(klass: Class, *, beat_ago: timedelta = timedelta(0), reached: int = 1, total: int = 30) -> RoomJob:
    """A job another request started, as its worker leaves the row."""
    started = timezone.now() - beat_ago - timedelta(seconds=20)
    event = ClassEvent.objects.create(klass=klass, actor="dana", action="reset", detail="integrate-same-region: ...")
    return RoomJob.objects.create(
        klass=klass,
        action=RoomJob.RESET,
        actor="dana",
        subject="integrate-same-region",
        event=event,
        total=total,
        done=reached,
        started_at=started,
        beat_at=timezone.now() - beat_ago,
    )


def _state(klass: Class) -> tuple:
    klass.refresh_from_db()
    return (
        klass.current,
        LabRun.objects.filter(sandbox__seat__klass=klass).count(),
        Notification.objects.filter(sandbox__seat__klass=klass).count(),
        ClassEvent.objects.filter(klass=klass).count(),
        RoomJob.objects.filter(klass=klass).count(),
    )


# --- Progress ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_bar_follows_the_jobs_progress_while_it_runs(owner, dana_class, monkeypatch):
    """While the seats are done, the polled bar says what runs and how far
    it is ("Announcing to 7 learners...", "4 of 7"), stored every few seats;
    once done it gives the outcome and asks no more."""
    _room(dana_class, 7)
    monkeypatch.setattr(room, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(room, "PROGRESS_SECONDS", 3600)
    seen = []
    real = portal_services.notify

    def notify(sandbox, *args, **kwargs):
        job = RoomJob.objects.get(klass=dana_class)
        bar = owner.get(_url("room_job", dana_class), **HX).content.decode()
        seen.append((job.done, job.finished_at, bar))
        return real(sandbox, *args, **kwargs)

    monkeypatch.setattr(portal_services, "notify", notify)
    response = owner.post(_url("announce", dana_class), {"text": "Quiz at 11"}, **HX)
    assert response.status_code == 200
    # The row moves every second seat, and is unfinished until the last.
    assert [done for done, _, _ in seen] == [0, 0, 2, 2, 4, 4, 6]
    assert all(finished is None for _, finished, _ in seen)
    bar = seen[4][2]
    assert 'data-state="running"' in bar and 'hx-trigger="every 1s"' in bar
    assert "Announcing to 7 learners..." in bar and "<strong>4 of 7</strong>" in bar
    assert 'id="room-job-progress" max="7" value="4"' in bar

    done = owner.get(_url("room_job", dana_class), **HX).content.decode()
    assert 'data-state="done"' in done and "hx-trigger" not in done and "hx-get" not in done
    assert "Announced to 7 of 7 learners." in done and 'role="status"' in done
    job = RoomJob.objects.get(klass=dana_class)
    assert (job.total, job.done, job.failed, job.finished_at is not None) == (7, 7, [], True)


@pytest.mark.django_db
def test_the_bar_is_on_the_room_page_and_the_board(owner, dana_class):
    _room(dana_class, 2)
    for page in ("room", "board"):
        assert '<div id="room-job">' in owner.get(_url(page, dana_class), **HTML).content.decode(), page
    owner.post(_url("reset", dana_class), **HX)
    for page in ("room", "board"):
        html = owner.get(_url(page, dana_class), **HTML).content.decode()
        assert 'id="room-job" class="cls-job" data-state="done"' in html, page
        assert "Reset 2 of 2 sandboxes." in html, page


@pytest.mark.django_db
def test_a_job_ended_long_ago_leaves_the_bar(owner, dana_class):
    _room(dana_class, 1)
    owner.post(_url("reset", dana_class), **HX)
    assert "Reset 1 of 1 sandbox." in owner.get(_url("room_job", dana_class), **HX).content.decode()
    RoomJob.objects.update(finished_at=timezone.now() - room.JOB_SHOWN_FOR - timedelta(seconds=1))
    assert owner.get(_url("room_job", dana_class), **HX).content.decode().strip() == '<div id="room-job">\n\n</div>'


@pytest.mark.django_db
def test_the_bar_without_htmx_is_the_room_page_and_only_the_owners(owner, dana_class):
    response = owner.get(_url("room_job", dana_class), **HTML)
    assert response.status_code == 302 and response["Location"] == _url("room", dana_class)
    assert owner.post(_url("room_job", dana_class), **HX).status_code == 405
    assert Client().get(_url("room_job", dana_class), **HX).status_code == 404


# --- Failures (CLS-28) ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_failures_are_named_and_all_listed(owner, dana_class, monkeypatch):
    """Every seat failing: an error bar naming the first five and how many
    more, with all of them listed; the log says the same."""
    _room(dana_class, 7)

    def notify(sandbox, *args, **kwargs):
        raise RuntimeError(f"sandbox {sandbox.seat.display_name} is gone")

    monkeypatch.setattr(portal_services, "notify", notify)
    response = owner.post(_url("announce", dana_class), {"text": "Hello"}, **HX)
    bar = response.content.decode()
    assert "az-banner-error" in bar and "bi-x-circle-fill" in bar
    assert (
        "Announced to 0 of 7 learners; 7 failed: Ana (sandbox Ana is gone), Ben (sandbox Ben is gone), "
        "Chen (sandbox Chen is gone), Dee (sandbox Dee is gone), Eli (sandbox Eli is gone) and 2 more." in bar
    )
    assert 'id="room-job-failures"' in bar and "<li>Gus: sandbox Gus is gone</li>" in bar
    job = RoomJob.objects.get(klass=dana_class)
    assert job.failed[-1] == ["Gus", "sandbox Gus is gone"] and job.done == 0


@pytest.mark.django_db
def test_a_few_failures_are_named_without_a_list(owner, dana_class, room_of_two_starting):
    bar = owner.post(_url("reset", dana_class), **HX).content.decode()
    assert "Reset 1 of 2 sandboxes; 1 failed: Ben (disk full)." in bar
    assert "az-banner-warning" in bar and 'id="room-job-failures"' not in bar
    assert dana_class.events.get(action="reset").detail == (
        "integrate-same-region: Reset 1 of 2 sandboxes; 1 failed: Ben (disk full)."
    )


@pytest.fixture
def room_of_two_starting(dana_class, monkeypatch):
    """Ana and Ben, whose sandbox can't start a lab."""
    seats = _room(dana_class, 2)
    real = labs.start_lab

    def start(sandbox, lab, **kwargs):
        if sandbox.pk == seats[1].sandbox_id:
            raise RuntimeError("disk full")
        return real(sandbox, lab, **kwargs)

    monkeypatch.setattr(labs, "start_lab", start)
    return seats


# --- One job per class at a time (CLS-28) --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "data", "error_id"),
    [
        ("next_lab", {}, "confirm-error"),
        ("reset", {}, "confirm-error"),
        ("scenario", {"lab": "udr-blackhole-db"}, "pane-error"),
        ("announce", {"text": "Hello"}, "pane-error"),
    ],
)
def test_a_second_action_while_one_runs_is_refused(action, data, error_id, owner, dana_class):
    """The pane says what runs and why it must wait (CLS-28), 422; nothing
    starts, the class stays on its lab, nothing is logged."""
    _room(dana_class, 2)
    _running(dana_class, beat_ago=timedelta(seconds=90), reached=12, total=30)
    before = _state(dana_class)
    response = owner.post(_url(action, dana_class), data, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="{error_id}"' in html
    assert "&#x27;AZ-104 Tuesday&#x27; is still busy: resetting 30 sandboxes (12 of 30 done, started at" in html
    assert "by dana). The room takes one action at a time: wait for it to finish." in html and "CLS-28" in html
    assert _state(dana_class) == before


@pytest.mark.django_db
def test_a_second_action_from_inside_a_running_job_is_refused(dana_class, monkeypatch):
    """The refusal holds while the first job's seats are being done."""
    _room(dana_class, 2)
    refusals = []
    real = portal_services.notify

    def notify(sandbox, *args, **kwargs):
        try:
            room.reset_room(Class.objects.get(pk=dana_class.pk), "dana")
        except Exception as exc:  # noqa: BLE001 - the refusal is what is looked at
            refusals.append(getattr(exc, "rule_ids", None))
        return real(sandbox, *args, **kwargs)

    monkeypatch.setattr(portal_services, "notify", notify)
    job = room.announce(dana_class, "dana", "Hi")
    assert job.message == "Announced to 2 of 2 learners."
    assert len(refusals) == 2 and all("CLS-28" in ids for ids in refusals)
    assert RoomJob.objects.filter(klass=dana_class).count() == 1
    # Once it has finished, the room acts again.
    assert room.reset_room(dana_class, "dana").message == "Reset 2 of 2 sandboxes."


@pytest.mark.django_db
def test_another_classs_job_blocks_nothing(dana, owner, dana_class):
    from classroom.services import create_class

    other = create_class(dana, "AZ-700 Friday", lab_ids=["integrate-same-region"])
    _running(other)
    _room(dana_class, 1)
    assert "Reset 1 of 1 sandbox." in owner.post(_url("reset", dana_class), **HX).content.decode()


@pytest.mark.django_db
def test_closing_stays_at_once_while_a_job_runs(owner, dana_class):
    """CLS-26: one UPDATE, not a job; a job running doesn't stop it."""
    _running(dana_class)
    response = owner.post(_url("close", dana_class), **HX)
    assert "is closed: no one new can join" in response.content.decode()
    dana_class.refresh_from_db()
    assert dana_class.closed and RoomJob.objects.filter(klass=dana_class).count() == 1


# --- A job whose server went away ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_that_stopped_moving_shows_as_interrupted_and_blocks_nothing(owner, dana_class):
    """No progress for over two minutes: the bar says it was interrupted,
    how far it got and to run it again, and asks no more; the next action
    runs, and the old job is finished as interrupted in the log."""
    _room(dana_class, 2)
    old = _running(dana_class, beat_ago=RoomJob.STALLED_AFTER + timedelta(seconds=1), reached=12, total=30)
    bar = owner.get(_url("room_job", dana_class), **HX).content.decode()
    assert 'data-state="interrupted"' in bar and "hx-trigger" not in bar and "az-banner-error" in bar
    assert "Interrupted: resetting 30 sandboxes stopped after 12 (no progress since" in bar
    assert "The other 18 were not reached: run the action again." in bar
    assert "Interrupted" in owner.get(_url("room", dana_class), **HTML).content.decode()

    assert (
        "Announced to 2 of 2 learners."
        in owner.post(_url("announce", dana_class), {"text": "Hi"}, **HX).content.decode()
    )
    old.refresh_from_db()
    assert old.interrupted and old.finished_at is not None
    assert old.event.detail.startswith("integrate-same-region: Interrupted: resetting 30 sandboxes stopped after 12")


@pytest.mark.django_db
def test_a_worker_whose_job_was_interrupted_stops(dana_class, monkeypatch):
    """A worker that was only slow, not gone, finds its job finished as
    interrupted at its next progress and leaves the other seats alone."""
    seats = _room(dana_class, 4)
    monkeypatch.setattr(room, "PROGRESS_EVERY", 1)
    real = portal_services.notify
    reached = []

    def notify(sandbox, *args, **kwargs):
        reached.append(sandbox.seat.display_name)
        if len(reached) == 2:
            RoomJob.objects.filter(klass=dana_class).update(finished_at=timezone.now(), interrupted=True)
        return real(sandbox, *args, **kwargs)

    monkeypatch.setattr(portal_services, "notify", notify)
    room.announce(dana_class, "dana", "Hi")
    assert reached == ["Ana", "Ben"]
    assert not seats[2].sandbox.notifications.exists()


@pytest.mark.django_db
def test_a_jobs_progress_bumps_no_sandbox(dana_class):
    """A job's row is nobody's sandbox state: storing its progress leaves
    every learner's kept pages valid (portal/changes.py)."""
    seat = seat_in(dana_class, "Ana")
    job = _running(dana_class)
    before = Sandbox.objects.get(pk=seat.sandbox_id).generation
    RoomJob.objects.filter(pk=job.pk).update(done=2, beat_at=timezone.now())
    assert Sandbox.objects.get(pk=seat.sandbox_id).generation == before


# --- On a server: off the request ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_on_a_server_the_post_answers_before_the_seats_are_done(request, owner, dana_class, monkeypatch):
    """The seats are done on a thread of their own after the claim has
    committed: the POST answers with the running bar while the first seat
    is still waiting, and the job ends on its own."""
    _room(dana_class, 3)
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="test-server-loop", daemon=True).start()
    request.addfinalizer(lambda: loop.call_soon_threadsafe(loop.stop))
    monkeypatch.setattr(live, "server_loop", lambda: loop)
    gate, threads = threading.Event(), set()
    real = portal_services.notify

    def notify(sandbox, *args, **kwargs):
        threads.add(threading.current_thread().name)
        assert gate.wait(30)
        return real(sandbox, *args, **kwargs)

    monkeypatch.setattr(portal_services, "notify", notify)
    response = owner.post(_url("announce", dana_class), {"text": "Lunch"}, **HX)
    bar = response.content.decode()
    assert 'data-state="running"' in bar and 'hx-trigger="every 1s"' in bar
    assert "Announcing to 3 learners..." in bar and "<strong>0 of 3</strong>" in bar
    gate.set()
    deadline = time.monotonic() + 30
    while RoomJob.objects.get(klass=dana_class).finished_at is None:
        assert time.monotonic() < deadline, "the job didn't finish"
        time.sleep(0.05)
    job = RoomJob.objects.get(klass=dana_class)
    assert job.message == "Announced to 3 of 3 learners."
    assert threads == {f"room-job-{job.pk}"}
    assert Notification.objects.filter(title="Announcement from dana").count() == 3


@pytest.mark.django_db
def test_a_class_without_learners_is_done_at_once(owner, dana_class):
    bar = owner.post(_url("reset", dana_class), **HX).content.decode()
    assert "Reset 0 sandboxes: the class has no learners yet." in bar and "az-banner-success" in bar
