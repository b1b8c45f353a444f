"""An instructor looks over a learner's shoulder (issue #13, item 3;
CLS-35..CLS-39): from the watch page to the learner's portal, a blade of
theirs with its writes disabled and the banner, and back to the
instructor's own sandbox. No console error (the tabs fixture fails on one)."""

import pytest
from playwright.sync_api import expect

from appservice.models import WebApp
from classroom.models import Seat
from classroom.services import create_class, create_instructor
from portal.services import create_resource_group
from tests.e2e.flows import sign_in_instructor

pytestmark = pytest.mark.browser

PASSWORD = "tidal-basin-gateway-42"


def test_an_instructor_watches_a_learners_blade_read_only(tabs):
    learner = tabs.tab("ana")
    learner.goto("/", "home")
    ana = learner.sandbox()
    create_resource_group(ana, name="ana-network-rg", location="eastus")
    klass = create_class(create_instructor("dana", PASSWORD), "AZ-104 Tuesday", lab_ids=[])
    seat = Seat.objects.create(klass=klass, sandbox=ana, display_name="Ana")

    dana = tabs.tab("dana")
    dana.goto("/", "own-home")
    page = dana.page
    sign_in_instructor(dana, "dana", PASSWORD)

    page.goto(dana.base_url + f"/classroom/{klass.pk}/learners/{seat.pk}/watch/")
    expect(page.get_by_role("heading", name="View Ana's portal", level=1)).to_be_visible()
    dana.shot("confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="View Ana's portal").click()
    banner = page.locator("#viewing-banner")
    expect(banner).to_contain_text("Viewing Ana's portal")
    expect(banner).to_contain_text("AZ-104 Tuesday")
    expect(banner).to_contain_text("read only")

    with page.expect_navigation():
        page.get_by_role("link", name="Resource groups").first.click()
    expect(page.locator("main")).to_contain_text("ana-network-rg")
    app = WebApp.objects.filter(sandbox=ana).order_by("name").first()
    page.goto(dana.base_url + learner.app_url(app.name))
    expect(page.get_by_role("heading", level=1)).to_contain_text(app.name)
    dana.shot("watched-overview")
    with page.expect_navigation():
        page.locator(".az-resource-menu-item", has_text="Tags").click()
    expect(page.locator("#viewing-banner")).to_be_visible()
    expect(page.locator("#apply-tags")).to_be_disabled()
    expect(page.locator("#tags-form input:not([type=hidden])").first).to_be_disabled()
    expect(page.locator("#stop-viewing")).to_be_enabled()
    dana.shot("watched-blade")
    # A tampered page (the button enabled again by hand) is still refused: CLS-36.
    page.locator("#tags-form input:not([type=hidden])").first.evaluate(
        "el => { el.disabled = false; el.value = 'owner'; }"
    )
    page.locator("#apply-tags").evaluate("el => { el.disabled = false; }")
    with page.expect_navigation():
        page.locator("#apply-tags").click()
    expect(page.locator("#viewing-refused")).to_contain_text("You are viewing Ana's portal (read only).")
    dana.shot("refused")
    app.refresh_from_db()
    assert app.tags == {}

    with page.expect_navigation():
        page.locator("#stop-viewing").click()
    page.goto(dana.base_url + "/resourcegroups/")
    expect(page.locator("#viewing-banner")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("ana-network-rg")

    learner.goto("/resourcegroups/", "learner-after")
    expect(learner.page.locator("#viewing-banner")).to_have_count(0)
    expect(learner.page.locator("body")).to_contain_text("ana-network-rg")
