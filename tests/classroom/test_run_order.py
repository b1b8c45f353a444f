"""CLS-05: the instructor sets the order a class runs its labs in ("Run
order" in the Create pane): the labs in the order they were checked, moved
up or down; the class keeps that order and "Start next lab" follows it
(CLS-22)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from classroom import room
from classroom.models import Class
from labs import catalog
from labs import services as labs
from tests.classroom.conftest import PASSWORD, seat_in
from tests.helpers import HX

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PANE = {**HX, "HTTP_HX_TARGET": "context-pane"}
CREATE = reverse("classroom:create")
# Three labs in the catalog's order (the order the check boxes are drawn in).
A, B, C = "integrate-existing-subnet", "integrate-same-region", "nat-gateway-outbound"


@pytest.fixture
def dana_client(dana) -> Client:
    client = Client()
    assert client.login(username="dana", password=PASSWORD)
    return client


def _data(labs, order=None, **changes) -> dict:
    data = {"name": "AZ-700 Friday", "era": "current", "labs": labs, "capacity": "30"}
    if order is not None:
        data["lab_order"] = order
    data.update(changes)
    return data


def _run_order(html: str) -> list[str]:
    """The labs of the pane's Run order list, top to bottom."""
    return re.findall(r'<input type="hidden" name="lab_order" value="([^"]+)">', html)


def test_catalog_order_is_the_check_boxes_order():
    ids = list(catalog.load())
    assert ids.index(A) < ids.index(B) < ids.index(C)


def test_cls_05_a_class_keeps_the_run_order_it_was_created_with(dana_client):
    response = dana_client.post(CREATE, _data([A, B, C], order=[C, A, B]), **HTML)
    assert response.status_code == 302
    assert Class.objects.get().lab_ids == [C, A, B]


def test_cls_05_a_lab_checked_after_the_order_was_drawn_goes_last(dana_client):
    dana_client.post(CREATE, _data([A, B, C], order=[C, A]), **HTML)
    assert Class.objects.get().lab_ids == [C, A, B]


def test_cls_05_an_order_naming_unchecked_repeated_or_unknown_labs_is_ignored(dana_client):
    order = [B, "no-such-lab", C, B, "x" * 10_000, "\x00"]
    response = dana_client.post(CREATE, _data([A, B], order=order), **HTML)
    assert response.status_code == 302
    assert Class.objects.get().lab_ids == [B, A]  # C is not checked: not run


def test_cls_05_checking_labs_lists_them_in_the_order_picked_and_saves_nothing(dana_client):
    first = dana_client.post(CREATE, _data([C], move="refresh"), **PANE)
    assert first.status_code == 200 and _run_order(first.content.decode()) == [C]
    # A is checked next: the browser posts the boxes in the catalog's order.
    then = dana_client.post(CREATE, _data([A, C], order=[C], move="refresh"), **PANE)
    html = then.content.decode()
    assert _run_order(html) == [C, A]
    assert 'value="AZ-700 Friday"' in html  # what was typed stays
    assert "errorlist" not in html and "az-field-error" not in html  # no message before Create
    cleared = dana_client.post(CREATE, _data([A], order=[C, A], move="refresh"), **PANE)
    assert _run_order(cleared.content.decode()) == [A]
    assert not Class.objects.exists()


def test_cls_05_move_up_and_down_swap_a_lab_with_its_neighbour(dana_client):
    up = dana_client.post(CREATE, _data([A, B, C], order=[A, B, C], move=f"up:{C}"), **PANE)
    assert up.status_code == 200 and _run_order(up.content.decode()) == [A, C, B]
    down = dana_client.post(CREATE, _data([A, B, C], order=[A, B, C], move=f"down:{A}"), **PANE)
    assert _run_order(down.content.decode()) == [B, A, C]
    assert not Class.objects.exists()


@pytest.mark.parametrize("move", [f"up:{A}", f"down:{C}", "up:no-such-lab", "sideways:" + B, "x" * 10_000, "\x00"])
def test_cls_05_a_move_past_an_end_or_of_nothing_keeps_the_order(dana_client, move):
    response = dana_client.post(CREATE, _data([A, B, C], order=[A, B, C], move=move), **PANE)
    assert response.status_code == 200 and _run_order(response.content.decode()) == [A, B, C]
    assert not Class.objects.exists()


def test_cls_05_the_pane_draws_move_buttons_named_for_their_lab(dana_client):
    html = dana_client.post(CREATE, _data([A, B], order=[B, A], move="refresh"), **PANE).content.decode()
    title_b = catalog.get(B).title
    assert f'aria-label="Move {title_b} up"' in html and f'aria-label="Move {title_b} down"' in html
    # The first lab's "Move up" and the last one's "Move down" go nowhere.
    assert re.search(rf'value="up:{B}"[^>]*aria-disabled="true"', html)
    assert re.search(rf'value="down:{A}"[^>]*aria-disabled="true"', html)
    assert not re.search(rf'value="down:{B}"[^>]*aria-disabled', html)
    empty = dana_client.get(CREATE, **PANE).content.decode()
    assert 'id="run-order-empty"' in empty and _run_order(empty) == []


def test_cls_22_start_next_lab_follows_the_run_order(dana_client, dana):
    dana_client.post(CREATE, _data([A, B, C], order=[C, A, B]), **HTML)
    klass = Class.objects.get()
    seat = seat_in(klass, "Ana")
    labs.start_lab(seat.sandbox, catalog.get(C))
    assert room.current_lab(klass).id == C and room.next_lab(klass).id == A
    room.start_next_lab(klass, "dana")
    klass.refresh_from_db()
    assert room.current_lab(klass).id == A
    assert labs.active_run(seat.sandbox).lab_id == A
    overview = dana_client.get(reverse("classroom:class_overview", args=[klass.pk]), **HTML).content.decode()
    titles = [catalog.get(i).title for i in (C, A, B)]
    assert overview.index(titles[0]) < overview.index(titles[1]) < overview.index(titles[2])


def test_cls_05_a_move_with_bad_fields_draws_the_pane_again_without_a_500(dana_client):
    data = _data([A, B], order=[B, A], move=f"up:{A}", name="Tues\x00day" + "x" * 10_000, era="2019", capacity="1e400")
    response = dana_client.post(CREATE, data, **PANE)
    assert response.status_code == 200 and _run_order(response.content.decode()) == [A, B]
    assert "\x00" not in response.content.decode()
    assert not Class.objects.exists()
