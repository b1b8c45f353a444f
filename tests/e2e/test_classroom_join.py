"""An instructor creates a class and projects its code; a learner in another
browser joins with the code and lands in the portal at the class's lab
(issue #13, item 2; CLS-05, CLS-06, CLS-07)."""

import pytest
from playwright.sync_api import expect

from classroom.models import Class, Seat
from classroom.services import create_instructor
from tests.e2e.flows import sign_in_instructor

pytestmark = pytest.mark.browser

PASSWORD = "tidal-basin-gateway-42"


def test_an_instructor_creates_a_class_and_a_learner_joins_it_with_the_code(tabs):
    create_instructor("dana", PASSWORD)
    instructor = tabs.tab("instructor")
    instructor.goto("/", "home")
    sign_in_instructor(instructor, "dana", PASSWORD)
    page = instructor.page
    expect(page.locator("#class-table")).to_contain_text("No classes to display")
    instructor.shot("classes-empty")

    page.locator("#create-class").click()
    pane = page.locator("#context-pane")
    expect(pane.get_by_role("heading", name="Create a class")).to_be_visible()
    expect(pane.locator("#class-capacity")).to_have_value("30")
    instructor.shot("create-pane")

    pane.locator("#save-class").click()  # nothing filled in: messages on the fields
    expect(pane).to_contain_text("The class name is required.")
    expect(pane).to_contain_text("Select at least one lab.")
    assert not Class.objects.exists()

    pane.locator("#class-name").fill("AZ-104 Tuesday")
    pane.locator("#class-era-current").check()
    pane.get_by_label("Integrate a web app with a virtual network in its region").check()
    with page.expect_navigation():
        pane.locator("#save-class").click()
    instructor.wait_live()
    klass = Class.objects.get()
    expect(page.get_by_role("heading", name="AZ-104 Tuesday", level=1)).to_be_visible()
    expect(page.locator("#class-code")).to_have_text(klass.code)
    expect(page.locator("#class-qr")).to_be_visible()
    expect(page.locator("#class-link")).to_have_text(f"{instructor.base_url}/join/{klass.code}/")
    expect(page.locator("#class-era")).to_have_text("Current (2026)")
    instructor.shot("overview")

    instructor.goto("/classroom/", "classes")
    expect(page.locator("#class-table")).to_contain_text(klass.code)
    expect(page.locator("#class-table")).to_contain_text("0 of 30")

    learner = tabs.tab("learner")
    lpage = learner.page
    assert lpage.goto(learner.base_url + "/join/").status == 200
    expect(lpage.get_by_role("heading", name="Join a class")).to_be_visible()
    learner.shot("join")
    lpage.get_by_label("Class code").fill("ACDEFG" if klass.code != "ACDEFG" else "ACDEFH")
    with lpage.expect_navigation():
        lpage.locator("#join-next").click()
    expect(lpage.locator("#join-code-error")).to_contain_text("doesn't match a class that's open")
    learner.shot("join-wrong-code")
    lpage.get_by_label("Class code").fill(klass.code.lower())
    with lpage.expect_navigation():
        lpage.locator("#join-next").click()
    expect(lpage.locator("#join-code-shown")).to_have_text(klass.code)
    learner.shot("join-name")
    lpage.get_by_label("Your name").fill("Ana Lopez")
    learner.follow(lpage.locator("#join-button"), "portal")
    expect(lpage.locator("#lab-panel")).to_contain_text("Integrate a web app with a virtual network in its region")
    expect(lpage.locator("#subscription-name")).to_contain_text("Current (2026)")
    seat = Seat.objects.get()
    assert seat.display_name == "Ana Lopez" and learner.sandbox() == seat.sandbox

    instructor.goto(f"/classroom/{klass.pk}/")
    expect(page.locator("#class-learners")).to_have_text("1 of 30")
    assert lpage.goto(learner.base_url + f"/classroom/{klass.pk}/").status == 404
