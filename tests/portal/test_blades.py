"""The blade helpers every app answers with (portal/blades.py): the page or
its partial, the one way to leave a page after a change (HX-Location), the
fresh region after a pane's change, and the Yes/No pane that deletes."""

import json

import pytest
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from portal.blades import confirm_delete, go, respond, swap
from portal.errors import rule_error
from tests.helpers import HX

# A template of the frame with a partial ("pane"), rendered from a dict.
PANE = "portal/confirm_pane.html"


def _request(method: str = "get", **headers):
    request = getattr(RequestFactory(), method)("/somewhere", **headers)
    request.htmx = HtmxDetails(request)
    return request


def _pane_context(**extra) -> dict:
    return {"resource": {"name": "web-nsg"}, "confirm": {"title": "Delete", "question": "Sure?", "id": "x"}, **extra}


def test_respond_gives_the_page_without_htmx_and_the_partial_with_it():
    page = respond(_request(), PANE, "pane", _pane_context())
    fragment = respond(_request(**HX), PANE, "pane", _pane_context())
    assert b"<html" in page.content and b"<html" not in fragment.content
    assert page["Vary"] == fragment["Vary"] == "HX-Request"


def test_respond_gives_the_page_to_an_htmx_request_for_the_whole_main():
    # HX-Location after a change swaps #main: the partial alone would lack it.
    response = respond(_request(**HX, HTTP_HX_TARGET="main"), PANE, "pane", _pane_context())
    assert b"<html" in response.content


def test_go_is_hx_location_into_main_for_htmx_and_a_redirect_otherwise():
    location = json.loads(go(_request("post", **HX), "/next")["HX-Location"])
    assert location == {"path": "/next", "target": "#main", "select": "#main", "swap": "outerHTML"}
    plain = go(_request("post"), "/next")
    assert plain.status_code == 302 and plain["Location"] == "/next"


def test_swap_retargets_the_fresh_region_for_htmx():
    response = swap(_request("post", **HX), PANE, "pane", _pane_context(), target="grid", page_url="/page")
    assert response["HX-Retarget"] == "#grid" and response["HX-Reswap"] == "outerHTML"
    assert b"<html" not in response.content


def test_swap_without_a_target_answers_the_region_that_asked():
    response = swap(_request("post", **HX), PANE, "pane", _pane_context(), page_url="/page")
    assert "HX-Retarget" not in response and b"<html" not in response.content


def test_swap_without_htmx_redirects_and_builds_no_context():
    def context() -> dict:
        raise AssertionError("a redirect renders nothing")

    response = swap(_request("post"), PANE, "pane", context, target="grid", page_url="/page")
    assert response.status_code == 302 and response["Location"] == "/page"


def test_swap_without_htmx_renders_the_page_for_a_refusal():
    response = swap(_request("post"), PANE, "pane", _pane_context, target="grid", page_url="/page", status=422)
    assert response.status_code == 422 and b"<html" in response.content


@pytest.mark.parametrize("headers", [HX, {}])
def test_confirm_delete_asks_first_and_deletes_only_on_yes(headers):
    deleted = []
    ask = confirm_delete(
        _request(**headers),
        _pane_context(),
        delete=lambda: deleted.append(1),
        done_url="/rg",
        title="Delete thing",
        question="Delete 'thing'?",
        dom_id="confirm-thing",
        rule="NSG-10",
    )
    assert ask.status_code == 200 and not deleted
    assert b"Delete &#x27;thing&#x27;?" in ask.content and b"NSG-10" in ask.content
    done = confirm_delete(
        _request("post", **headers),
        _pane_context(),
        delete=lambda: deleted.append(1),
        done_url="/rg",
        title="Delete thing",
        question="Delete 'thing'?",
        dom_id="confirm-thing",
    )
    assert deleted == [1]
    assert (json.loads(done["HX-Location"])["path"] if headers else done["Location"]) == "/rg"


def test_confirm_delete_shows_a_refusal_on_the_pane_with_its_rule():
    def refuse() -> None:
        raise rule_error("Subnet 'web' uses it.", "NSG-20")

    response = confirm_delete(
        _request("post", **HX),
        _pane_context(),
        delete=refuse,
        done_url="/rg",
        title="Delete thing",
        question="Delete 'thing'?",
        dom_id="confirm-thing",
    )
    assert response.status_code == 422 and "HX-Location" not in response
    html = response.content.decode()
    assert 'id="confirm-error"' in html and 'data-rule="NSG-20"' in html and "Subnet &#x27;web&#x27; uses it." in html
