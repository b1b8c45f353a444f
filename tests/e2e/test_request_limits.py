"""SBX-06 in the browser: a template over the lab's 2.5 MB limit on a
request's body is refused before the server reads it, and the learner sees
why (a toast naming the rule) with the pane left as it was."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_sbx06_a_template_over_the_limit_shows_a_toast_and_keeps_the_pane(tab):
    subscription = tab.sandbox().subscriptions.get().subscription_id
    tab.goto(f"/resource/subscriptions/{subscription}/resourceGroups/contoso-rg/overview")
    tab.follow(tab.page.locator("nav.az-resource-menu").get_by_role("link", name="Deploy a custom template"))
    logged = []
    tab.page.on("console", lambda message: logged.append(message.text) if message.type == "error" else None)

    pasted = '{"resources": [], "padding": "' + "x" * 2_700_000 + '"}'
    tab.page.locator("#id_template").fill(pasted)
    with tab.page.expect_response(lambda response: response.status == 413):
        tab.page.get_by_role("button", name="Review + create").click()

    toast = tab.page.locator("#toasts .az-toast[data-level='error']")
    expect(toast).to_contain_text("Request too large")
    expect(toast).to_contain_text("at most 2.5 MB")
    expect(toast).to_contain_text("SBX-06")
    # The pane is as it was: the pasted text stays, no field error, nothing deployed.
    assert tab.page.locator("#id_template").input_value() == pasted
    expect(tab.page.locator("#deploy-error, #deploy-succeeded")).to_have_count(0)
    assert not [text for text in logged if "htmx" in text], logged
