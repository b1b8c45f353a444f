"""Acting on the room (issue #13, item 4; CLS-21..CLS-28): the class's own
instructor starts the next lab, pushes a scenario, resets, announces and
closes for every learner at once, and exports the results; anyone else gets
the portal's 404 and nothing changes."""

import csv
import io

import pytest
from django.test import Client
from django.utils.html import escape

from classroom import live as board_live
from classroom import room
from classroom.models import Class, ClassEvent
from classroom.services import create_class, create_instructor
from labs import catalog
from labs import services as labs
from labs.models import LabRun
from portal.models import Notification
from tests.classroom.conftest import PASSWORD, seat_in
from tests.classroom.conftest import room_url as _url
from tests.helpers import HX

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ACTIONS = ("next_lab", "scenario", "reset", "announce", "close")


@pytest.fixture
def room_of_three(dana_class):
    """Dana's class with three learners on its first lab, as joining leaves them."""
    seats = [seat_in(dana_class, name) for name in ("Ana", "Ben", "Chen")]
    first = catalog.get(dana_class.lab_ids[0])
    for seat in seats:
        labs.start_lab(seat.sandbox, first)
    return seats


def _active_lab(seat) -> str | None:
    run = labs.active_run(seat.sandbox)
    return run.lab_id if run else None


def _bar(response) -> str:
    """The answer to an action's POST (htmx): nothing for the pane, which
    closes, and the room's bar, out of band (CLS-28)."""
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="room-job" class="cls-job" data-state="done" hx-swap-oob="outerHTML">')
    assert html.rstrip().endswith("</div>") and html.count('id="room-job"') == 1
    return html


def _state(klass: Class, seats) -> tuple:
    klass.refresh_from_db()
    runs = tuple(LabRun.objects.filter(sandbox=seat.sandbox).count() for seat in seats)
    notes = Notification.objects.filter(sandbox__seat__klass=klass).count()
    return (klass.current, klass.closed_at, runs, notes, ClassEvent.objects.filter(klass=klass).count())


# --- CLS-21: only the class's own instructor -----------------------------------------------------


def _outsiders(dana_class, room_of_three) -> dict[str, Client]:
    learner = Client()
    session = learner.session
    from portal.middleware import SESSION_KEY

    session[SESSION_KEY] = str(room_of_three[0].sandbox.secret)
    session.save()
    other = Client()
    other.force_login(create_instructor("erin", PASSWORD).user)
    return {"visitor": Client(), "learner of the class": learner, "another instructor": other}


@pytest.mark.parametrize("action", ACTIONS)
def test_cls21_only_the_classs_own_instructor_acts_on_the_room(action, dana_class, room_of_three, owner):
    """CLS-21: a visitor, a learner of the class and another instructor get
    the portal's 404 for every action, whatever the method, and nothing
    changes; the owner gets the pane."""
    before = _state(dana_class, room_of_three)
    for who, client in _outsiders(dana_class, room_of_three).items():
        for method in ("get", "post", "put"):
            data = {"lab": "udr-blackhole-db", "text": "Hello"}
            response = getattr(client, method)(_url(action, dana_class), data, **HTML)
            assert response.status_code == 404, (who, method)
    assert _state(dana_class, room_of_three) == before
    assert owner.get(_url(action, dana_class), **HX).status_code == 200
    assert owner.put(_url(action, dana_class)).status_code == 405


@pytest.mark.parametrize("name", ("room", "export_csv", "summary"))
def test_cls21_the_room_page_and_the_results_are_the_owners_only(name, dana_class, room_of_three, owner):
    for who, client in _outsiders(dana_class, room_of_three).items():
        assert client.get(_url(name, dana_class), **HTML).status_code == 404, who
    assert owner.get(_url(name, dana_class), **HTML).status_code == 200
    assert owner.post(_url(name, dana_class)).status_code == 405


def test_cls21_actions_need_the_csrf_token(dana, dana_class, room_of_three):
    client = Client(enforce_csrf_checks=True)
    client.force_login(dana.user)
    before = _state(dana_class, room_of_three)
    assert client.post(_url("announce", dana_class), {"text": "Hi"}).status_code == 403
    assert _state(dana_class, room_of_three) == before


# --- CLS-22: the next lab ------------------------------------------------------------------------


def test_cls22_start_next_lab_starts_it_in_every_seat_and_says_so(owner, dana_class, room_of_three):
    pane = owner.get(_url("next_lab", dana_class), **HX).content.decode()
    assert "Start lab 2 of 2" in pane and "in 3 learners&#x27; sandboxes" in pane
    response = owner.post(_url("next_lab", dana_class), **HX)
    assert response.status_code == 200
    assert "Started the next lab in 3 of 3 sandboxes." in _bar(response)
    dana_class.refresh_from_db()
    assert dana_class.current == 1
    assert [_active_lab(seat) for seat in room_of_three] == ["nsg-deny-integration"] * 3
    assert all(labs.active_run(seat.sandbox).mode == LabRun.GUIDED for seat in room_of_three)
    event = dana_class.events.get(action="next_lab")
    assert event.actor == "dana" and event.detail == (
        "nsg-deny-integration (lab 2 of 2): Started the next lab in 3 of 3 sandboxes."
    )
    for seat in room_of_three:
        assert seat.sandbox.notifications.filter(title="Your instructor started the next lab").exists()

    # On the last lab: said so, nothing started (422 in the pane).
    again = owner.post(_url("next_lab", dana_class), **HX)
    assert again.status_code == 422
    assert "is on its last lab (2 of 2): there is no next lab" in again.content.decode()
    assert LabRun.objects.filter(sandbox=room_of_three[0].sandbox).count() == 2


def test_cls22_exam_mode_starts_exam_runs(dana, owner):
    klass = create_class(dana, "Exam day", lab_ids=["integrate-same-region", "udr-blackhole-db"], exam_mode=True)
    seat = seat_in(klass, "Dee")
    owner.post(_url("next_lab", klass))
    run = labs.active_run(seat.sandbox)
    assert run.lab_id == "udr-blackhole-db" and run.mode == LabRun.EXAM


def test_cls28_one_failing_sandbox_does_not_stop_the_others(owner, dana_class, room_of_three, monkeypatch):
    """CLS-28: each seat in its own transaction; the failure is reported by
    name and the others are started."""
    real = labs.start_lab
    broken = room_of_three[1].sandbox.pk

    def start(sandbox, lab, **kwargs):
        if sandbox.pk == broken:
            raise RuntimeError("disk full")
        return real(sandbox, lab, **kwargs)

    monkeypatch.setattr(labs, "start_lab", start)
    response = owner.post(_url("next_lab", dana_class), **HX)
    text = _bar(response)
    assert "Started the next lab in 2 of 3 sandboxes; 1 failed: Ben (disk full)." in text
    assert "az-banner-warning" in text
    assert [_active_lab(seat) for seat in room_of_three] == [
        "nsg-deny-integration",
        "integrate-same-region",
        "nsg-deny-integration",
    ]
    # Ben's seat was rolled back whole: no note about a lab he didn't get.
    assert not room_of_three[1].sandbox.notifications.filter(title__startswith="Your instructor").exists()


# --- CLS-23: a scenario --------------------------------------------------------------------------


def test_cls23_the_pane_offers_the_catalogs_scenarios_only():
    ids = [lab.id for lab in room.scenarios()]
    assert "udr-blackhole-db" in ids and "zone-not-linked" in ids and "nsg-deny-integration" in ids
    assert "integrate-same-region" not in ids
    assert all(catalog.get(i).kind == "scenario" and catalog.get(i).faults for i in ids)


def test_cls23_push_scenario_starts_it_in_every_seat(owner, dana_class, room_of_three):
    pane = owner.get(_url("scenario", dana_class), **HX).content.decode()
    assert 'value="udr-blackhole-db"' in pane and 'value="integrate-same-region"' not in pane
    response = owner.post(_url("scenario", dana_class), {"lab": "udr-blackhole-db"}, **HX)
    assert "Pushed the scenario to 3 of 3 sandboxes." in _bar(response)
    assert [_active_lab(seat) for seat in room_of_three] == ["udr-blackhole-db"] * 3
    dana_class.refresh_from_db()
    assert dana_class.current == 0  # the class's own lab stays; Reset goes back to it
    assert dana_class.events.get(action="scenario").detail.startswith("udr-blackhole-db")


@pytest.mark.parametrize("lab", ("", "integrate-same-region", "no-such-lab", "x" * 5000))
def test_cls23_a_lab_that_is_not_a_scenario_is_a_field_message(lab, owner, dana_class, room_of_three):
    before = _state(dana_class, room_of_three)
    response = owner.post(_url("scenario", dana_class), {"lab": lab}, **HX)
    assert response.status_code == 422
    assert 'id="scenario-lab-error"' in response.content.decode()
    assert "Choose one of the catalog&#x27;s troubleshooting scenarios." in response.content.decode()
    assert _state(dana_class, room_of_three) == before


@pytest.mark.parametrize(
    ("action", "data", "lab_id"),
    (
        ("next_lab", {}, "nsg-deny-integration"),
        ("scenario", {"lab": "udr-blackhole-db"}, "udr-blackhole-db"),
        ("reset", {}, "integrate-same-region"),
    ),
)
def test_cls20_a_start_for_the_room_redraws_each_learners_row_on_the_open_board(
    action, data, lab_id, owner, dana_class, room_of_three
):
    """CLS-20: after the room's start, its reset or a scenario, an open
    board draws each learner's row again, on the lab just started, not
    their old lab's row until they change something."""
    before = board_live.versions(dana_class.pk)
    owner.post(_url(action, dana_class), data, **HX)
    after = board_live.versions(dana_class.pk)
    moved = [pk for pk in after if after[pk] != before[pk]]
    assert sorted(moved) == sorted(seat.pk for seat in room_of_three)
    (rows,) = board_live.render_seats(dana_class.pk, moved)
    title = escape(catalog.get(lab_id).title)
    for seat in room_of_three:
        row = rows[rows.index(f'id="board-row-{seat.pk}"') :].split("</tr>")[0]
        assert seat.display_name in row and title in row


# --- CLS-24: reset -------------------------------------------------------------------------------


def test_cls24_reset_asks_first_then_resets_every_seat_to_the_current_lab(owner, dana_class, room_of_three):
    owner.post(_url("scenario", dana_class), {"lab": "udr-blackhole-db"})
    pane = owner.get(_url("reset", dana_class), **HX).content.decode()
    assert "Reset 3 learners&#x27; sandboxes to the start of" in pane and "Their changes are lost." in pane
    assert 'id="reset-room-form-yes"' in pane
    assert [_active_lab(seat) for seat in room_of_three] == ["udr-blackhole-db"] * 3  # asking changed nothing
    response = owner.post(_url("reset", dana_class), **HX)
    assert "Reset 3 of 3 sandboxes." in _bar(response)
    assert [_active_lab(seat) for seat in room_of_three] == ["integrate-same-region"] * 3
    runs = LabRun.objects.filter(sandbox=room_of_three[0].sandbox)
    assert runs.filter(lab_id="integrate-same-region", abandoned=False, finished_at__isnull=True).count() == 1


def test_cls24_without_script_the_pane_is_a_page_and_the_outcome_a_message(owner, dana_class, room_of_three):
    page = owner.get(_url("reset", dana_class), **HTML)
    assert page.status_code == 200 and 'id="reset-room-form"' in page.content.decode()
    response = owner.post(_url("reset", dana_class), **HTML, follow=True)
    assert response.redirect_chain[-1][0] == _url("room", dana_class)
    html = response.content.decode()
    assert '<div id="room-job" class="cls-job" data-state="done">' in html
    assert "Reset 3 of 3 sandboxes." in html


# --- CLS-25: announcements -----------------------------------------------------------------------


def test_cls25_an_announcement_reaches_every_learners_bell(owner, dana_class, room_of_three):
    response = owner.post(_url("announce", dana_class), {"text": "  Break: back at 10:40  "}, **HX)
    assert "Announced to 3 of 3 learners." in _bar(response)
    for seat in room_of_three:
        note = seat.sandbox.notifications.get(title="Announcement from dana")
        assert note.body == "Break: back at 10:40" and note.unread
    assert dana_class.events.get(action="announce").detail == "Break: back at 10:40"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write the announcement: 1 to 280 characters."),
        ("   \n ", "Write the announcement: 1 to 280 characters."),
        ("x" * 281, "An announcement is at most 280 characters (281 now)."),
        ("x" * 10_000, "An announcement is at most 280 characters (10000 now)."),
        ("bell\x00", "The announcement can&#x27;t contain control characters."),
    ],
)
def test_cls25_bad_announcements_are_a_message_on_the_field(text, message, owner, dana_class, room_of_three):
    before = _state(dana_class, room_of_three)
    response = owner.post(_url("announce", dana_class), {"text": text}, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="announce-text-error"' in html and message in html
    assert _state(dana_class, room_of_three) == before


def test_cls25_280_characters_is_enough(owner, dana_class, room_of_three):
    assert owner.post(_url("announce", dana_class), {"text": "y" * 280}, **HX).status_code == 200
    assert Notification.objects.filter(body="y" * 280).count() == 3


# --- CLS-26: closing -----------------------------------------------------------------------------


def test_cls26_closing_keeps_sandboxes_and_stops_the_room(owner, dana_class, room_of_three):
    pane = owner.get(_url("close", dana_class), **HX).content.decode()
    assert "No one new can join" in pane and "Its learners keep their sandboxes (3 learners now)" in pane
    response = owner.post(_url("close", dana_class), **HX)
    assert "is closed: no one new can join" in response.content.decode()
    dana_class.refresh_from_db()
    assert dana_class.closed and dana_class.seats.count() == 3
    assert all(_active_lab(seat) == "integrate-same-region" for seat in room_of_three)
    before = _state(dana_class, room_of_three)
    for action, data in (("next_lab", {}), ("reset", {}), ("announce", {"text": "hi"}), ("close", {})):
        refused = owner.post(_url(action, dana_class), data, **HX)
        assert refused.status_code == 422 and "This class is closed" in refused.content.decode(), action
    assert owner.post(_url("scenario", dana_class), {"lab": "udr-blackhole-db"}, **HX).status_code == 422
    assert _state(dana_class, room_of_three) == before
    page = owner.get(_url("room", dana_class), **HTML).content.decode()
    assert 'id="room-closed"' in page and 'id="room-reset" disabled' in page
    assert owner.get(_url("export_csv", dana_class)).status_code == 200


# --- CLS-27: export and summary ------------------------------------------------------------------


def _rows(owner, klass) -> list[dict]:
    response = owner.get(_url("export_csv", klass))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_cls27_the_csv_holds_every_check_of_every_learner(owner, dana_class, room_of_three):
    owner.post(_url("next_lab", dana_class))
    response = owner.get(_url("export_csv", dana_class))
    assert response["Content-Disposition"].startswith('attachment; filename="az-104-tuesday-results-')
    assert response["Content-Disposition"].endswith('.csv"')
    rows = _rows(owner, dana_class)
    first, second = catalog.get("integrate-same-region"), catalog.get("nsg-deny-integration")
    assert list(rows[0]) == ["learner", "lab", "check", "passed", "points", "max points", "time"]
    assert len(rows) == 3 * (len(first.checks) + len(second.checks))
    for name in ("Ana", "Ben", "Chen"):
        mine = [row for row in rows if row["learner"] == name]
        assert {row["lab"] for row in mine} == {first.title, second.title}
        assert len(mine) == len(first.checks) + len(second.checks)
    for row in rows:
        assert int(row["points"]) == (int(row["max points"]) if row["passed"] == "yes" else 0)
        assert row["time"].count(":") == 2


def test_cls27_a_learner_with_no_lab_still_has_a_row(owner, dana_class):
    seat_in(dana_class, "Dev")
    assert _rows(owner, dana_class) == [
        {"learner": "Dev", "lab": "", "check": "", "passed": "", "points": "0", "max points": "0", "time": "0:00:00"}
    ]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab"])
def test_cls27_a_name_a_spreadsheet_would_run_is_escaped(name, owner, dana_class):
    seat_in(dana_class, name)
    rows = _rows(owner, dana_class)
    assert rows[0]["learner"] == "'" + name


def test_cls27_the_summary_page_lists_each_learners_labs_score_and_time(owner, dana_class, room_of_three):
    owner.post(_url("next_lab", dana_class))
    seat_in(dana_class, "Dev")
    html = owner.get(_url("summary", dana_class), **HTML).content.decode()
    assert "AZ-104 Tuesday | Summary" in html and "4 learners, 3 with a lab" in html
    assert html.count('class="cls-summary-learner"') == 4
    assert "No lab run yet" in html and catalog.get("nsg-deny-integration").title in html
    assert "classroom/summary.css" in html


def test_the_room_page_lists_what_the_room_did(owner, dana_class, room_of_three):
    owner.post(_url("announce", dana_class), {"text": "Welcome"})
    html = owner.get(_url("room", dana_class), **HTML).content.decode()
    assert "AZ-104 Tuesday | Room" in html and 'id="room-next-lab"' in html
    assert 'data-action="announce"' in html and "Welcome" in html


def test_the_class_menu_leads_to_overview_board_and_room_from_each(owner, dana_class):
    for page, active in (("class_overview", "overview"), ("board", "board"), ("room", "room")):
        html = owner.get(_url(page, dana_class), **HTML).content.decode()
        assert html.count('id="class-menu"') == 1
        for name in ("class_overview", "board", "room"):
            assert f'href="{_url(name, dana_class)}"' in html
        assert f'aria-current="page" id="class-menu-{active}"' in html
