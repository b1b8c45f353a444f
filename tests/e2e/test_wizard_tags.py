"""A create wizard's Tags tab, as a learner uses it (portal-ui §1.4): a tag
name Azure refuses (TAG-05) puts a red dot on the Tags tab, the fixed tag
shows on Review + create and then in the new route table's Essentials."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.flows import wizard_tab
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser


def _press(tab: Tab, locator) -> None:
    """A wizard button: the form re-renders in place."""
    with tab.page.expect_response(lambda r: "/create" in r.url and r.request.method == "POST"):
        locator.click()
    tab.settle()


def test_a_tag_typed_in_the_route_table_wizard_shows_in_essentials(tab):
    page = tab.page
    subscription = tab.sandbox().subscriptions.get()
    url = reverse(
        "networking:route_table_create", kwargs={"subscription_id": subscription.subscription_id, "rg": "contoso-rg"}
    )
    tab.goto(url)
    page.locator("#name").fill("tagged-rt")

    # Tags sits just before Review + create; its grid starts with one empty row.
    labels = [text.strip() for text in page.locator("[id^=tab-button-]").all_inner_texts()]
    assert labels[-2:] == ["Tags", "Review + create"]
    _press(tab, wizard_tab(tab, "tags"))
    expect(page.locator("#tab-tags")).to_be_visible()
    page.locator("#tag-name-0").fill("cost/center")
    page.locator("#tag-value-0").fill("lab")

    # Review + create refuses the name (TAG-05): a red dot on Tags, the rule under the box.
    _press(tab, page.locator("#review-button"))
    expect(page.locator("#validation-banner")).to_have_attribute("data-validation", "failed")
    expect(wizard_tab(tab, "tags")).to_have_attribute("data-error", "true")
    expect(page.locator("#validation-banner")).to_contain_text("TAG-05")
    _press(tab, wizard_tab(tab, "tags"))
    expect(page.locator("#wizard-tag-grid tr.has-error")).to_contain_text("TAG-05")
    tab.shot("tags-refused")

    # Fixed and confirmed with Enter: a new empty row follows.
    page.locator("#tag-name-0").fill("env")
    page.locator("#tag-value-0").fill("lab")
    with page.expect_response(lambda r: "/create" in r.url and r.request.method == "POST"):
        page.locator("#tag-value-0").press("Enter")
    tab.settle()
    expect(page.locator("#tag-name-1")).to_have_value("")
    expect(wizard_tab(tab, "tags")).not_to_have_attribute("data-error", "true")
    tab.shot("tags-tab")

    _press(tab, page.locator("#review-button"))
    expect(page.locator("#validation-banner")).to_have_attribute("data-validation", "passed")
    expect(page.locator("#tab-review")).to_contain_text("env")
    tab.shot("review")
    with page.expect_navigation(url=re.compile(r"/overview$")):
        page.locator("#create-button").click()
    tab.wait_live()
    expect(page.locator("h1.az-blade-title")).to_have_text("tagged-rt")
    expect(page.locator("#essentials-tags [data-tag='env']")).to_have_text("env : lab")
    tab.shot("essentials")
