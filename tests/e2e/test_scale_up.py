"""Issue #2 walkthrough, step 12: the Free tier can't integrate (ERR-03), so
the learner follows the warning to Scale up, picks S1 in the Spec Picker's
Production tab and applies it; an App Service Environment's plan can only
stay Isolated."""

import re

import pytest
from playwright.sync_api import expect

from appservice.models import AppServicePlan
from tests.e2e.flows import htmx_click, open_blade, toast
from tests.e2e.support import LIVE_TIMEOUT_MS, Tab

pytestmark = pytest.mark.browser


def _sku(tab: Tab, plan: str) -> str:
    return AppServicePlan.objects.get(sandbox=tab.sandbox(), name=plan).sku


def _card(tab: Tab, sku: str):
    return tab.page.locator(f"#spec-picker label[data-sku='{sku}']")


def _open_spec_tab(tab: Tab, slug: str, step: str | None = None) -> None:
    htmx_click(tab, tab.page.locator(f"#spec-tabs a[data-tab='{slug}']"), "/scaleup", method="GET")
    expect(tab.page.locator(f"#spec-tabs a[data-tab='{slug}']")).to_have_attribute("aria-selected", "true")
    if step:
        tab.shot(step)


def test_the_free_tier_warning_leads_to_scale_up_and_s1_makes_the_app_integrable(tab):
    open_blade(tab, "contoso-dev", "networking", "networking-free")
    page = tab.page
    banner = page.locator("#plan-problem")
    expect(banner).to_have_attribute("data-err", "ERR-03")
    expect(banner).to_contain_text("The Free tier doesn't support virtual network integration")

    tab.follow(banner.get_by_role("link", name="Scale up (App Service plan)"), "scale-up")
    expect(page.locator("h1.az-blade-title")).to_contain_text("Scale up (App Service plan)")
    expect(page.locator("#current-sku")).to_contain_text("F1")
    expect(page.locator("#spec-tabs a.active")).to_have_attribute("data-tab", "dev-test")
    expect(_card(tab, "F1")).to_have_attribute("data-vnet", "no")
    expect(_card(tab, "F1").locator(".az-chip")).to_have_text("Current")

    _open_spec_tab(tab, "production", "production-tab")
    s1 = _card(tab, "S1")
    # Standard waits behind "See additional options" (portal-ui §2.5).
    expect(s1).to_be_hidden()
    page.locator("#see-additional-options").click()
    expect(s1).to_be_visible()
    expect(s1).to_have_attribute("data-enabled", "true")
    expect(s1).to_have_attribute("data-vnet", "yes")
    expect(s1.locator("[data-vnet-support]")).to_contain_text("VNet integration")
    htmx_click(tab, s1, "/scaleup", method="GET")
    expect(s1.locator("input[type=radio]")).to_be_checked()
    # The panes describe the card picked.
    expect(page.locator("#included-features [data-feature='Staging slots'] dd")).to_have_text("Up to 5 slots")
    expect(page.locator("#included-hardware [data-hardware='Memory'] dd")).to_have_text("1.75 GB per instance")
    tab.shot("s1-picked")
    assert _sku(tab, "contoso-free-plan") == "F1", "picking a card changes nothing before Apply"

    response = htmx_click(tab, page.locator("#apply-sku"), "/scaleup")
    assert response.status == 200
    expect(page.locator("#scale-done")).to_contain_text("'contoso-free-plan' now runs on S1")
    expect(toast(tab, "Successfully updated App Service plan")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(toast(tab, "Successfully updated App Service plan")).to_contain_text("scaled from F1 to S1")
    tab.shot("applied")
    expect(page.locator("#current-sku")).to_contain_text("S1")
    expect(_card(tab, "S1").locator(".az-chip")).to_have_text("Current")
    assert _sku(tab, "contoso-free-plan") == "S1"

    tab.follow(page.locator("nav.az-resource-menu").get_by_role("link", name="Networking"), "networking-s1")
    expect(page.locator("#plan-problem")).to_have_count(0)
    expect(page.locator("#vnet-integration-status")).to_have_text("Not configured")
    tab.follow(page.get_by_role("link", name="Click here to configure"), "vnet-configuration-s1")
    expect(page.locator("#integration-panel [data-err]")).to_have_count(0)
    expect(page.locator("#add-vnet")).to_be_enabled()


def test_an_app_service_environment_plan_cannot_leave_the_isolated_tiers(tab):
    open_blade(tab, "contoso-internal", "scale_up", "scale-up-ase")
    page = tab.page
    expect(page.locator("#current-sku")).to_contain_text("I1V2")
    expect(page.locator("#spec-picker")).to_contain_text("App Service Environment: contoso-ase")
    expect(page.locator("#spec-tabs a.active")).to_have_attribute("data-tab", "isolated")

    _open_spec_tab(tab, "production", "production-refused")
    cards = page.locator("#spec-picker label[data-sku]")
    assert cards.count() > 0
    assert set(cards.evaluate_all("cards => cards.map(c => c.dataset.enabled)")) == {"false"}
    s1 = _card(tab, "S1")
    page.locator("#see-additional-options").click()
    expect(s1.locator("input[type=radio]")).to_be_disabled()
    reason = s1.locator("[data-reason]")
    expect(reason).to_be_visible()
    expect(reason).to_contain_text("runs in App Service Environment 'contoso-ase', so it can only use Isolated tiers")
    expect(reason).to_contain_text("ASVI-12")
    s1.click(force=True)  # a learner tries anyway: a disabled card can't be picked
    expect(s1.locator("input[type=radio]")).not_to_be_checked()

    # Even a form whose card was re-enabled (say, a page saved before) is refused by the server.
    s1.locator("input[type=radio]").evaluate("radio => { radio.disabled = false; radio.checked = true; }")
    response = htmx_click(tab, page.locator("#apply-sku"), "/scaleup")
    assert response.status == 422
    error = page.locator("#scale-error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("data-rule", re.compile(r"\bASVI-12\b"))
    expect(error).to_contain_text("can only use Isolated tiers")
    tab.shot("server-refusal")
    expect(page.locator("#current-sku")).to_contain_text("I1V2")
    expect(page.locator("#scale-done")).to_have_count(0)
    assert _sku(tab, "contoso-ase-plan") == "I1V2"

    _open_spec_tab(tab, "isolated")
    expect(_card(tab, "I1V2")).to_have_attribute("data-enabled", "true")
    expect(_card(tab, "I1V2")).to_have_attribute("data-vnet", "ase")


def test_see_additional_options_and_the_panes_follow_the_card_picked(tab):
    open_blade(tab, "contoso-api", "scale_up", "p1v3-production")
    page = tab.page
    expect(_card(tab, "P1V3").locator("strong")).to_have_text("P1V3")
    expect(page.locator("#more-tiers")).not_to_have_attribute("open", "")
    expect(_card(tab, "S2")).to_be_hidden()
    expect(page.locator("#included-hardware [data-hardware='Memory'] dd")).to_have_text("8 GB per instance")
    page.locator("#see-additional-options").click()
    expect(_card(tab, "S2")).to_be_visible()
    tab.shot("additional-options")
    htmx_click(tab, _card(tab, "S2"), "/scaleup", method="GET")
    expect(page.locator("#more-tiers")).to_have_attribute("open", "")
    expect(page.locator("#included-hardware [data-hardware='Memory'] dd")).to_have_text("3.5 GB per instance")
    expect(page.locator("#included-features [data-feature='VNet integration'] dd")).to_contain_text("VNet integration")
    tab.shot("s2-panes")
    assert _sku(tab, "contoso-p1v3-plan") == "P1V3", "picking a card changes nothing before Apply"
