"""Classes and joining them (issue #13, item 2; docs/classroom.md, "Classes
and joining"): the Classes grid and its Create pane (CLS-05), a class's
Overview with its code, link and QR code (CLS-06, CLS-08), and a learner's
join (CLS-07, CLS-09..CLS-12)."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classroom import join
from classroom.models import Class, ClassEvent, JoinAttempt, Seat
from classroom.services import create_class, create_instructor
from labs import catalog
from labs import services as lab_services
from labs.models import LabRun
from portal import lifecycle
from portal.middleware import SESSION_KEY
from portal.models import Sandbox
from tests.classroom.conftest import PASSWORD, seat_in
from tests.helpers import HX

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
CREATE = reverse("classroom:create")
JOIN = reverse("join:start")
LABS = ["integrate-same-region", "nsg-deny-integration"]


def _signed_in(username: str = "dana") -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _good(**changes) -> dict:
    data = {"name": "AZ-104 Tuesday", "era": "current", "labs": LABS, "capacity": "30"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _join(client: Client, code: str, name: str = "Ana", **extra):
    return client.post(reverse("join:code", args=[code]), {"display_name": name}, **HTML, **extra)


def _overview(klass: Class) -> str:
    return reverse("classroom:class_overview", args=[klass.pk])


# --- CLS-05: the Classes grid and "+ Create" ------------------------------------------------


def test_cls_05_classes_lists_the_instructors_own_classes(dana, dana_class):
    omar = create_instructor("omar", PASSWORD)
    create_class(omar, "Omar's class", lab_ids=LABS)
    seat_in(dana_class, "Ana")
    html = _signed_in().get(reverse("classroom:classes"), **HTML).content.decode()
    assert "AZ-104 Tuesday" in html and dana_class.code in html and "1 of 300" in html and "Open" in html
    assert "Omar's class" not in html
    assert 'id="create-class" href="/classroom/create/"' in html and "disabled" not in html


def test_cls_05_the_create_pane_offers_name_era_labs_exam_mode_and_capacity(dana):
    client = _signed_in()
    pane = client.get(CREATE, **HTML, **HX, HTTP_HX_TARGET="context-pane").content.decode()
    assert pane.lstrip().startswith("<form") and "<html" not in pane
    for text in ("Class name", "Classic (2021)", "Current (2026)", "Exam mode", "Capacity", 'value="30"'):
        assert text in pane
    assert 'name="labs" value="integrate-same-region"' in pane
    page = client.get(CREATE, **HTML)
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_cls_05_a_good_class_is_created_and_opens_its_overview(dana):
    client = _signed_in()
    response = client.post(
        CREATE, _good(labs=["nsg-deny-integration", "integrate-same-region"], exam_mode="on"), **HTML
    )
    klass = Class.objects.get()
    assert response.status_code == 302 and response["Location"] == _overview(klass)
    assert (klass.name, klass.era, klass.exam_mode, klass.capacity) == ("AZ-104 Tuesday", "current", True, 30)
    assert klass.lab_ids == ["nsg-deny-integration", "integrate-same-region"]  # as posted: no run order came
    assert ClassEvent.objects.filter(klass=klass, action="create", actor="dana").exists()
    with_htmx = client.post(CREATE, _good(), **HX, HTTP_HX_TARGET="context-pane")
    assert with_htmx.status_code == 200 and with_htmx["HX-Redirect"].startswith("/classroom/")


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"name": ""}, "The class name is required."),
        ({"name": "   "}, "The class name is required."),
        ({"name": "x" * 10_000}, "at most 80 characters"),
        ({"name": "Tues\x00day"}, "Null characters are not allowed."),
        ({"name": "Tues\nday"}, "control characters"),
        ({"labs": None}, "Select at least one lab."),
        ({"labs": ["no-such-lab"]}, "is not in the labs catalog"),
        ({"labs": ["integrate-same-region", "x" * 10_000]}, "is not in the labs catalog"),
        ({"era": "2019"}, "Select the Classic (2021) or the Current (2026) portal."),
        ({"era": "current", "labs": ["dns-server-missing"]}, "runs in the Classic (2021) portal only"),
        ({"capacity": "0"}, "A class holds from 1 to 300 learners."),
        ({"capacity": "301"}, "A class holds from 1 to 300 learners."),
        ({"capacity": "99999999999999999999"}, "A class holds from 1 to 300 learners."),
        ({"capacity": "-1"}, "A class holds from 1 to 300 learners."),
        ({"capacity": "ten"}, "Enter a whole number from 1 to 300."),
        ({"capacity": "1e400"}, "Enter a whole number from 1 to 300."),
        ({"capacity": ""}, "Enter how many learners may join"),
    ],
)
def test_cls_05_bad_input_is_a_field_message_and_writes_nothing(dana, changes, field_message):
    response = _signed_in().post(CREATE, _good(**changes), **HTML)
    assert response.status_code == 422
    assert field_message in response.content.decode()
    assert not Class.objects.exists()


def test_cls_05_the_classroom_pages_are_a_404_to_a_learner(alice):
    """A learner (a browser with a sandbox, no account) creates nothing."""
    assert alice.get(CREATE, **HTML).status_code == 404
    assert alice.post(CREATE, _good(), **HTML).status_code == 404
    assert not Class.objects.exists()


# --- CLS-06 and CLS-08: the overview ---------------------------------------------------------


def test_cls_06_the_overview_shows_the_essentials_the_code_the_link_and_a_qr_code(dana):
    klass = create_class(dana, "AZ-104 Tuesday", lab_ids=LABS, era="current", exam_mode=True, capacity=40)
    seat_in(klass, "Ana")
    response = _signed_in().get(_overview(klass), **HTML)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<p class="cls-code" id="class-code" aria-label="Join code {klass.code}">{klass.code}</p>' in html
    link = f"http://testserver/join/{klass.code}/"
    assert f'href="{link}" id="class-link">{link}</a>' in html
    assert '<svg class="cls-qr" id="class-qr" role="img"' in html and '<path d="M' in html
    for text in ("Current (2026)", "Open", "1 of 40", "Integrate a web app with a virtual network", "On"):
        assert text in html
    assert 'id="class-menu-overview"' in html and f'href="/classroom/{klass.pk}/board/"' in html


def test_cls_06_the_qr_code_encodes_the_join_link(dana_class):
    from classroom.views import qr_svg

    small, large = qr_svg("http://a/join/ACDEFG/", "x"), qr_svg("http://a/join/ACDEFG/" + "y" * 200, "x")
    assert small.count("h1v1h-1z") < large.count("h1v1h-1z")  # more text, more modules
    assert "style=" not in small  # the CSP refuses inline styles


def test_cls_08_another_instructors_class_is_a_404(dana_class):
    create_instructor("omar", PASSWORD)
    assert _signed_in("omar").get(_overview(dana_class), **HTML).status_code == 404
    assert _signed_in().get(_overview(dana_class), **HTML).status_code == 200
    assert _signed_in().get(reverse("classroom:class_overview", args=[99999]), **HTML).status_code == 404


def test_cls_08_a_learner_in_the_class_gets_a_404_on_its_overview(dana_class):
    learner = Client()
    _join(learner, dana_class.code)
    assert SESSION_KEY in learner.session
    assert learner.get(_overview(dana_class), **HTML).status_code == 404
    assert Client().get(_overview(dana_class), **HTML).status_code == 404


# --- CLS-07: joining -------------------------------------------------------------------------


def test_cls_07_the_join_pages_make_no_sandbox_for_a_visitor_who_never_submits(dana_class):
    """SBX-01: opening /join/ or the link makes nothing."""
    client = Client()
    start = client.get(JOIN, **HTML)
    assert start.status_code == 200 and 'id="join-code"' in start.content.decode()
    link = client.get(reverse("join:code", args=[dana_class.code]), **HTML)
    assert link.status_code == 200 and 'id="join-name"' in link.content.decode()
    assert SESSION_KEY not in client.session and not Sandbox.objects.exists()


def test_cls_07_a_right_code_goes_on_to_the_name(dana_class):
    response = Client().post(JOIN, {"code": " " + dana_class.code.lower()[:3] + "-" + dana_class.code[3:]}, **HTML)
    assert response.status_code == 302 and response["Location"] == f"/join/{dana_class.code}/"


def test_cls_07_joining_seats_a_new_sandbox_at_the_start_of_the_classs_lab(dana):
    klass = create_class(dana, "Tuesday", lab_ids=["nsg-deny-integration", "integrate-same-region"], era="current")
    client = Client()
    response = _join(client, klass.code, "  Ana Lopez  ")
    assert response.status_code == 302 and response["Location"] == "/"
    seat = Seat.objects.get()
    assert (seat.klass, seat.display_name) == (klass, "Ana Lopez")
    assert client.session[SESSION_KEY] == str(seat.sandbox.secret)
    assert seat.sandbox.era == "current" and seat.sandbox.created_from == ""
    run = LabRun.objects.get(sandbox=seat.sandbox, finished_at__isnull=True)
    assert (run.lab_id, run.mode) == ("nsg-deny-integration", LabRun.GUIDED)
    home = client.get("/", **HTML).content.decode()
    assert 'id="lab-panel"' in home and "an NSG rule on the integration subnet" in home
    assert Sandbox.objects.count() == 1  # the portal page made no other


def test_cls_07_in_exam_mode_the_learner_starts_an_exam_run(dana):
    klass = create_class(dana, "Exam", lab_ids=["integrate-same-region"], exam_mode=True)
    _join(Client(), klass.code)
    assert LabRun.objects.get().mode == LabRun.EXAM


def test_cls_07_a_joined_sandbox_holds_the_labs_start_and_a_class_without_labs_the_seed(dana):
    """The lab's start replaces the estate (the seed is not deployed first
    only to be emptied); a class with no lab gives the demo seed."""
    from appservice.models import WebApp
    from portal.seed import create_sandbox

    lab_class = create_class(dana, "Lab", lab_ids=["integrate-same-region"])
    _join(Client(), lab_class.code, "Ana")
    joined = Seat.objects.get(klass=lab_class).sandbox
    started = create_sandbox()
    lab_services.start_lab(started, catalog.get("integrate-same-region"))
    assert _estate(joined) == _estate(started)
    plain = create_class(dana, "No lab", lab_ids=[])
    _join(Client(), plain.code, "Bo")
    assert _estate(Seat.objects.get(klass=plain).sandbox) == _estate(create_sandbox())
    assert WebApp.objects.filter(sandbox=Seat.objects.get(klass=plain).sandbox, name="contoso-web").exists()


def _estate(sandbox: Sandbox) -> list[tuple[str, int]]:
    """How many resources of each type (a lab's names have a random suffix)."""
    from portal.registry import registry

    counts = ((t.arm_type, t.get_model().objects.filter(sandbox=sandbox).count()) for t in registry.listed())
    return sorted((arm_type, n) for arm_type, n in counts if n)


def test_cls_07_the_class_starts_learners_at_its_current_lab(dana_class):
    Class.objects.filter(pk=dana_class.pk).update(current=1)
    _join(Client(), dana_class.code)
    assert LabRun.objects.get().lab_id == "nsg-deny-integration"


# --- CLS-09: the same browser, the same sandbox; Leave class --------------------------------


def test_cls_09_joining_twice_from_the_same_browser_returns_the_same_sandbox(dana_class):
    client = Client()
    _join(client, dana_class.code, "Ana")
    secret = client.session[SESSION_KEY]
    again = _join(client, dana_class.code, "Someone else")
    assert again.status_code == 302
    assert client.session[SESSION_KEY] == secret
    assert Seat.objects.count() == 1 and Seat.objects.get().display_name == "Ana"
    other = Client()
    _join(other, dana_class.code, "Ben")
    assert Seat.objects.count() == 2 and other.session[SESSION_KEY] != secret


def test_cls_09_leave_class_goes_back_to_the_browsers_own_sandbox(alice, dana_class):
    own = alice.session[SESSION_KEY]
    _join(alice, dana_class.code)
    assert alice.session[SESSION_KEY] != own
    page = alice.get(JOIN, **HTML).content.decode()
    assert 'id="in-class"' in page and "AZ-104 Tuesday" in page and 'id="leave-class"' in page
    assert alice.post(reverse("join:leave"), **HTML).status_code == 302
    assert alice.session[SESSION_KEY] == own
    assert Seat.objects.count() == 1  # the class keeps the learner's work
    _join(alice, dana_class.code)  # and joining again goes back to it
    assert Seat.objects.count() == 1 and alice.session[SESSION_KEY] == str(Seat.objects.get().sandbox.secret)


def test_cls_09_leave_class_without_a_sandbox_before_leaves_none(dana_class):
    client = Client()
    _join(client, dana_class.code)
    client.post(reverse("join:leave"), **HTML)
    assert SESSION_KEY not in client.session


# --- CLS-10: who can't join, and why --------------------------------------------------------


def test_cls_10_a_full_class_says_so(dana):
    klass = create_class(dana, "Small", lab_ids=LABS, capacity=1)
    seat_in(klass, "Ana")
    response = _join(Client(), klass.code, "Ben")
    assert response.status_code == 422
    assert "This class is full (1 of 1)." in response.content.decode()
    assert Seat.objects.count() == 1 and Sandbox.objects.count() == 1
    assert "This class is full (1 of 1)." in Client().post(JOIN, {"code": klass.code}, **HTML).content.decode()


def test_cls_10_a_class_filled_closed_or_deleted_meanwhile_leaves_no_sandbox(dana):
    """Between the code's check and the seat, the class changed: refused, and
    the sandbox made for the seat is gone again."""
    klass = create_class(dana, "Small", lab_ids=LABS, capacity=1)
    seat_in(klass, "Ana")
    with pytest.raises(join.Refused, match=r"full \(1 of 1\)"):
        join.seat_learner(klass, "Ben")
    open_one = create_class(dana, "Open", lab_ids=LABS)
    Class.objects.filter(pk=open_one.pk).update(closed_at=timezone.now())
    with pytest.raises(join.Refused, match="closed"):
        join.seat_learner(open_one, "Ben")
    gone = create_class(dana, "Gone", lab_ids=LABS)
    Class.objects.filter(pk=gone.pk).delete()
    with pytest.raises(join.Refused, match="doesn't match"):
        join.seat_learner(gone, "Ben")
    assert Seat.objects.count() == 1 and Sandbox.objects.count() == 1


def test_cls_10_a_class_with_room_takes_the_last_learner(dana):
    klass = create_class(dana, "Small", lab_ids=LABS, capacity=2)
    seat_in(klass, "Ana")
    assert _join(Client(), klass.code, "Ben").status_code == 302
    assert Seat.objects.count() == 2


def test_cls_10_a_closed_class_says_so(dana_class):
    Class.objects.filter(pk=dana_class.pk).update(closed_at=timezone.now())
    response = _join(Client(), dana_class.code)
    assert response.status_code == 422 and "This class is closed" in response.content.decode()
    assert not Seat.objects.exists() and not Sandbox.objects.exists()


def test_cls_10_a_wrong_code_says_so_whether_or_not_it_ever_existed(dana):
    gone = create_class(dana, "Gone", lab_ids=LABS)
    gone_code = gone.code
    gone.delete()
    answers = set()
    for code in (gone_code, "ACDEFG" if gone_code != "ACDEFG" else "ACDEFH", "x" * 10_000, "ab\x00cd", ""):
        response = Client().post(JOIN, {"code": code}, **HTML)
        assert response.status_code == 422
        html = response.content.decode()
        answers.add(any(text in html for text in ("doesn&#x27;t match", "Enter the class code", "at most", "Null")))
    assert answers == {True}
    deleted = _join(Client(), gone_code).content.decode()
    never = _join(Client(), "ACDEFG" if gone_code != "ACDEFG" else "ACDEFH").content.decode()
    assert join.WRONG_CODE.replace("'", "&#x27;") in deleted and join.WRONG_CODE.replace("'", "&#x27;") in never
    assert not Sandbox.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter the name your class will see."),
        ("   ", "Enter the name your class will see."),
        ("x" * 10_000, "at most 64 characters"),
        ("x" * 65, "at most 64 characters"),
        ("An\x00a", "Null characters are not allowed."),
        ("An\ta", "control characters"),
    ],
)
def test_cls_10_a_bad_display_name_is_a_field_message_and_writes_nothing(dana_class, name, message):
    response = _join(Client(), dana_class.code, name)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Seat.objects.exists() and not Sandbox.objects.exists()


def test_cls_10_a_display_name_of_64_characters_is_fine(dana_class):
    assert _join(Client(), dana_class.code, "é" * 64).status_code == 302


def test_cls_10_the_join_urls_take_no_other_method(dana_class):
    assert Client().put(JOIN).status_code == 405
    assert Client().get(reverse("join:leave")).status_code == 405


# --- CLS-11: rate limits ---------------------------------------------------------------------


def test_cls_11_wrong_codes_from_one_address_are_limited(dana_class, settings):
    settings.VNETLAB_JOIN_MISSES_PER_MINUTE = 3
    client = Client()
    for _ in range(3):
        assert client.post(JOIN, {"code": "ACDEFG"}, **HTML).status_code == 422
    response = client.post(JOIN, {"code": dana_class.code}, **HTML)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Too many tries" in response.content.decode() and "from your network" in response.content.decode()
    assert _join(Client(), dana_class.code).status_code == 429  # the same address, another browser
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert _join(other, dana_class.code).status_code == 302  # another address is fine
    assert Seat.objects.count() == 1


def test_cls_11_right_codes_from_one_address_are_not_limited_as_misses(dana_class, settings):
    """A room behind one address joins freely."""
    settings.VNETLAB_JOIN_MISSES_PER_MINUTE = 2
    for name in ("Ana", "Ben", "Cy", "Di"):
        assert _join(Client(), dana_class.code, name).status_code == 302
    assert Seat.objects.count() == 4


def test_cls_11_tries_at_one_code_are_limited(dana_class, settings):
    settings.VNETLAB_JOINS_PER_MINUTE_PER_CODE = 2
    assert _join(Client(REMOTE_ADDR="203.0.113.1"), dana_class.code, "Ana").status_code == 302
    assert _join(Client(REMOTE_ADDR="203.0.113.2"), dana_class.code, "").status_code == 422
    response = _join(Client(REMOTE_ADDR="203.0.113.3"), dana_class.code, "Cy")
    assert response.status_code == 429 and "Many learners are joining this class" in response.content.decode()
    assert Seat.objects.count() == 1
    other = create_class(dana_class.instructor, "Other", lab_ids=LABS)
    assert _join(Client(REMOTE_ADDR="203.0.113.3"), other.code, "Cy").status_code == 302


def test_cls_11_the_limit_is_per_minute(dana_class, settings):
    settings.VNETLAB_JOINS_PER_MINUTE_PER_CODE = 1
    _join(Client(), dana_class.code, "Ana")
    assert _join(Client(), dana_class.code, "Ben").status_code == 429
    JoinAttempt.objects.update(at=timezone.now() - timedelta(seconds=61))
    assert _join(Client(), dana_class.code, "Ben").status_code == 302
    assert JoinAttempt.objects.count() == 1  # the old tries went


# --- CLS-12: class sandboxes and the lifecycle -----------------------------------------------


def _age(sandbox_id: int, days: float) -> None:
    Sandbox.objects.filter(pk=sandbox_id).update(last_used_at=timezone.now() - timedelta(days=days))


def test_cls_12_the_prune_keeps_class_sandboxes_and_prunes_idle_anonymous_ones(alice, dana_class):
    _join(Client(), dana_class.code)
    seat = Seat.objects.get()
    _age(seat.sandbox_id, 30)
    _age(alice.sandbox.pk, 30)
    result = lifecycle.prune()
    assert result.deleted == 1
    assert list(Sandbox.objects.values_list("pk", flat=True)) == [seat.sandbox_id]
    dana_class.delete()  # once the class is gone, its idle sandboxes go too
    assert lifecycle.prune().deleted == 1 and not Sandbox.objects.exists()


def test_cls_12_the_keeper_is_registered_once(dana_class):
    assert lifecycle._keepers.count(join.kept_sandboxes) == 1
    lifecycle.keep_sandboxes(join.kept_sandboxes)
    assert lifecycle._keepers.count(join.kept_sandboxes) == 1


def test_cls_12_class_sandboxes_are_not_counted_by_the_new_sandbox_limit(dana_class, settings):
    """SBX-02 counts anonymous sandboxes only: a class's learners, behind the
    same address, neither use it up nor are refused by it."""
    settings.VNETLAB_NEW_SANDBOXES_PER_HOUR = 1
    anonymous = Client()
    assert anonymous.get("/", **HTML).status_code == 200  # the address's one anonymous sandbox
    assert Client().get("/", **HTML).status_code == 429
    for name in ("Ana", "Ben"):
        assert _join(Client(), dana_class.code, name).status_code == 302
    assert Seat.objects.count() == 2


def test_cls_12_joining_is_refused_when_the_lab_is_full(dana_class, settings):
    """SBX-05 still holds: no room for any sandbox, no seat."""
    settings.VNETLAB_MAX_SANDBOXES = 1
    seat_in(dana_class, "Ana")
    response = _join(Client(), dana_class.code, "Ben")
    assert response.status_code == 503 and Seat.objects.count() == 1


def test_secret_in_session_is_a_uuid(dana_class):
    client = Client()
    _join(client, dana_class.code)
    uuid.UUID(client.session[SESSION_KEY])
