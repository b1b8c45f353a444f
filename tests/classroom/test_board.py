"""The live board (issue #13, item 3): one row per learner with the lab,
the task, a mark per check, the score, the time on task, the last actions
and the stuck flags; sorting and filtering; who may see it."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appservice.models import WebApp
from classroom import board
from classroom.models import Seat
from classroom.services import create_class, create_instructor
from labs import catalog, engine
from labs import live as lab_live
from labs import services as lab_services
from labs.models import LabRun
from portal.errors import refuse, rule_error
from portal.models import ActivityLogEntry
from portal.services import log_activity, log_refusal
from tests.classroom.conftest import seat_in
from tests.helpers import HX, app_url, subnet_of

pytestmark = pytest.mark.django_db

LAB = "integrate-same-region"


def _instructor_client(instructor) -> Client:
    client = Client()
    client.force_login(instructor.user)
    return client


def _board(client, klass, **params):
    return client.get(reverse("classroom:board", kwargs={"pk": klass.pk}), params)


def _start(seat: Seat) -> LabRun:
    return lab_services.start_lab(seat.sandbox, catalog.get(LAB), seed=3)


def _solve(seat: Seat, run: LabRun) -> None:
    """The learner does the lab right; the change's regrade follows."""
    engine.apply(seat.sandbox, catalog.get(LAB).solution, run.params)
    lab_live.regrade_and_push(seat.sandbox.pk)


def _app(seat: Seat) -> WebApp:
    return WebApp.objects.select_related("resource_group").get(sandbox=seat.sandbox, name__startswith="contoso-web")


def _refused(seat: Seat, rule: str = "ASVI-20") -> None:
    """A refusal as the frame records it (CLS-13)."""
    error = refuse("ERR-02", "ASVI-01", rule, vnet="v", vnet_region="West US", app_region="East US")
    log_refusal(seat.sandbox, _app(seat), "Create or Update App Service", error)


def _row(seat: Seat) -> board.Row:
    return board.row_for(Seat.objects.select_related("sandbox").get(pk=seat.pk))


# --- Rows --------------------------------------------------------------------------------------------


def test_a_row_shows_the_lab_the_task_and_each_check_not_passed_on_a_wrong_estate_cls_14(dana, dana_class):
    seat = seat_in(dana_class, "Ada")
    _start(seat)
    html = _board(_instructor_client(dana), dana_class).content.decode()
    row = html[html.index(f'id="board-row-{seat.pk}"') :].split("</tr>")[0]
    assert "Ada" in row and "Integrate a web app with a virtual network in its region" in row
    assert "Task 1 of 1: Connect the app to contoso-vnet" in row
    assert row.count('data-passed="no"') == 3 and 'data-passed="yes"' not in row
    assert "0 / 10" in row
    assert f'href="/classroom/{dana_class.pk}/learners/{seat.pk}/watch/"' in row


def test_the_right_estate_passes_every_check_and_the_learner_is_done_cls_14_cls_17(dana, dana_class):
    seat = seat_in(dana_class, "Ada")
    _solve(seat, _start(seat))
    row = _row(seat)
    assert [m.passed for m in row.marks] == [True, True, True]
    assert row.score == 10 and row.state == board.DONE
    html = _board(_instructor_client(dana), dana_class).content.decode()
    assert "1 of 1</strong> done" in html
    assert "Every task complete" in html


def test_the_last_three_actions_are_shown_newest_first_with_their_status_cls_14(dana, dana_class):
    seat = seat_in(dana_class, "Ada")
    _start(seat)
    app = _app(seat)
    for name in ("Restart Web App", "Stop Web App", "Start Web App", "Restart Web App"):
        log_activity(seat.sandbox, app, name, "Succeeded")
    _refused(seat)
    row = _row(seat)
    assert [(a.operation, a.status) for a in row.actions] == [
        ("Create or Update App Service", "Failed"),
        ("Restart Web App", "Succeeded"),
        ("Start Web App", "Succeeded"),
    ]
    assert row.actions[0].rules == ("ASVI-01", "ASVI-20", "ERR-02")


def test_a_learner_without_a_lab_is_not_started_cls_17(dana, dana_class):
    seat = seat_in(dana_class, "Ada")
    row = _row(seat)
    assert row.state == board.NOT_STARTED and not row.marks and not row.stuck
    assert "Not started" in _board(_instructor_client(dana), dana_class).content.decode()


# --- Stuck ---------------------------------------------------------------------------------------------


def test_two_same_refusals_are_not_stuck_three_are_and_the_flag_names_the_rule_cls_15(dana, dana_class):
    seat = seat_in(dana_class, "Ada")
    _start(seat)
    _refused(seat)
    _refused(seat)
    assert _row(seat).stuck == []
    _refused(seat)
    flags = _row(seat).stuck
    assert [(f.kind, f.rule) for f in flags] == [("refused", "ASVI-01")]
    html = _board(_instructor_client(dana), dana_class).content.decode()
    assert 'data-rule="ASVI-01"' in html and "Refused 3 times in a row by ASVI-01" in html


def test_three_refusals_by_different_rules_are_not_the_same_refusal_cls_15(dana, dana_class):
    seat = seat_in(dana_class, "Ada")
    _start(seat)
    app = _app(seat)
    for rule in ("NSG-01", "NSG-02", "NSG-03"):
        log_refusal(seat.sandbox, app, "Create or Update App Service", rule_error("No.", rule))
    assert _row(seat).stuck == []


def test_progress_after_three_refusals_clears_the_flag_cls_15(dana, dana_class):
    seat = seat_in(dana_class, "Ada")
    run = _start(seat)
    for _ in range(3):
        _refused(seat)
    assert _row(seat).stuck
    log_activity(seat.sandbox, _app(seat), "Create or Update Web App VNet Connection", "Started")
    _solve(seat, run)
    assert _row(seat).stuck == []


def test_three_refusals_through_the_portal_make_the_learner_stuck_cls_13_cls_15(dana, dana_class, alice):
    """The learner's own browser: three refused integrations (ERR-01, the
    subnet holds VMs) and the board names the rule."""
    seat = Seat.objects.create(klass=dana_class, sandbox=alice.sandbox, display_name="Alice")
    sub = subnet_of(alice, "contoso-vnet", "vm-subnet")
    for _ in range(3):
        response = alice.post(
            app_url(alice, "add_vnet", "contoso-web"),
            {"vnet": sub.vnet_id, "subnet_mode": "existing", "subnet": sub.pk},
            **HX,
        )
        assert response.status_code == 422
    flags = _row(seat).stuck
    assert len(flags) == 1 and flags[0].kind == "refused" and flags[0].rule.startswith("ASVI-")


def test_no_progress_for_the_idle_minutes_is_stuck_and_names_the_last_refusal_cls_16(dana, dana_class, settings):
    settings.VNETLAB_BOARD_IDLE_MINUTES = 5
    seat = seat_in(dana_class, "Ada")
    run = _start(seat)
    LabRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(minutes=4))
    assert _row(seat).stuck == []
    LabRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(minutes=6))
    _refused(seat, "ASVI-20")
    flags = _row(seat).stuck
    assert [(f.kind, f.rule) for f in flags] == [("idle", "ASVI-01")]
    assert flags[0].text == "No progress for 6 min; last refused by ASVI-01"


def test_an_accepted_change_resets_the_idle_clock_cls_16(dana, dana_class):
    seat = seat_in(dana_class, "Ada")
    run = _start(seat)
    LabRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(minutes=9))
    assert _row(seat).stuck
    log_activity(seat.sandbox, _app(seat), "Restart Web App", "Succeeded")
    assert _row(seat).stuck == []


def test_a_learner_who_is_done_is_never_stuck_cls_16(dana, dana_class):
    seat = seat_in(dana_class, "Ada")
    run = _start(seat)
    _solve(seat, run)
    LabRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(minutes=30))
    ActivityLogEntry.objects.filter(sandbox=seat.sandbox).delete()
    assert _row(seat).state == board.DONE and _row(seat).stuck == []


# --- Sort and filter -----------------------------------------------------------------------------------


@pytest.fixture
def room(dana_class):
    """Cy done, Ada stuck (three refusals), Bea working, Dev not started."""
    seats = {name: seat_in(dana_class, name) for name in ("Cy", "Ada", "Bea", "Dev")}
    _solve(seats["Cy"], _start(seats["Cy"]))
    _start(seats["Ada"])
    for _ in range(3):
        _refused(seats["Ada"])
    bea = _start(seats["Bea"])
    engine.apply(seats["Bea"].sandbox, catalog.get(LAB).solution[:1], bea.params)
    lab_live.regrade_and_push(seats["Bea"].sandbox.pk)
    return seats


def _names(html: str, seats: dict) -> list[str]:
    found = [
        (html.index(f'id="board-row-{seat.pk}"'), name)
        for name, seat in seats.items()
        if f'id="board-row-{seat.pk}"' in html
    ]
    return [name for _, name in sorted(found)]


@pytest.mark.parametrize(
    "sort, order",
    [
        ("name", ["Ada", "Bea", "Cy", "Dev"]),
        ("progress", ["Cy", "Bea", "Ada", "Dev"]),
        ("score", ["Cy", "Bea", "Ada", "Dev"]),
        ("stuck", ["Ada", "Bea", "Cy", "Dev"]),
        ("<script>", ["Ada", "Bea", "Cy", "Dev"]),
    ],
)
def test_the_board_sorts_by_a_get_parameter_cls_18(dana, dana_class, room, sort, order):
    response = _board(_instructor_client(dana), dana_class, sort=sort)
    assert response.status_code == 200
    assert _names(response.content.decode(), room) == order


@pytest.mark.parametrize(
    "show, names",
    [
        ("all", ["Ada", "Bea", "Cy", "Dev"]),
        ("stuck", ["Ada"]),
        ("done", ["Cy"]),
        ("not-started", ["Dev"]),
        ("x" * 10_000, ["Ada", "Bea", "Cy", "Dev"]),
    ],
)
def test_the_board_filters_by_a_get_parameter_and_counts_the_whole_class_cls_18(dana, dana_class, room, show, names):
    html = _board(_instructor_client(dana), dana_class, show=show).content.decode()
    assert _names(html, room) == names
    assert "1 of 4</strong> done" in html
    # The whole class's states, whatever the filter: the page's script
    # counts from them as rows are pushed (CLS-17, CLS-20).
    tally = json.loads(html.split('<script id="board-tally" type="application/json">')[1].split("</script>")[0])
    states = {"Cy": ["done", False], "Ada": ["working", True], "Bea": ["working", False], "Dev": ["not-started", False]}
    assert tally == {str(room[name].pk): state for name, state in states.items()}


# --- Who sees it ---------------------------------------------------------------------------------------


def test_the_board_is_404_to_another_instructor_a_learner_and_a_visitor_cls_19(dana, dana_class, alice):
    seat_in(dana_class, "Ada")
    other = create_instructor("erin", "tidal-basin-gateway-43")
    create_class(other, "Erin's class", lab_ids=[LAB])
    url = reverse("classroom:board", kwargs={"pk": dana_class.pk})
    for client in (_instructor_client(other), alice, Client()):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert _board(_instructor_client(dana), dana_class).status_code == 200
    assert (
        reverse("classroom:board", kwargs={"pk": 999_999})
        and _instructor_client(dana).get(reverse("classroom:board", kwargs={"pk": 999_999})).status_code == 404
    )


def test_the_board_is_read_only_cls_19(dana, dana_class):
    response = _instructor_client(dana).post(reverse("classroom:board", kwargs={"pk": dana_class.pk}))
    assert response.status_code == 405
