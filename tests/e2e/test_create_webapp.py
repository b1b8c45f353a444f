"""Create Web App (issue #10): the plan Azure preselects is the learner's own
multitenant one, never the App Service Environment's (ASVI-12); the Runtime
stack is the era's and decides the Operating System (a Linux-only stack
greys Windows and lists the Linux plans); the Current Overview shows the app's."""

import re

import pytest
from playwright.sync_api import expect

from appservice.models import WebApp
from tests.e2e.flows import create_and_open_deployment, open_blade, open_marketplace_product, review_and_create
from tests.e2e.support import Tab

pytestmark = pytest.mark.browser


def _choose_stack(tab: Tab, label: str) -> None:
    page = tab.page
    with page.expect_response(lambda r: "/create/webapp/" in r.url and r.request.method == "POST"):
        page.locator("#runtime-stack").select_option(label=label)
    tab.settle()


def _switch_era(tab: Tab, era: str) -> None:
    tab.goto("/sandbox/")
    tab.page.locator("#era").select_option(era)
    tab.follow(tab.page.locator("#save-era"), f"era-{era}")


def test_the_runtime_stack_decides_the_operating_system_and_the_plans(tab):
    open_marketplace_product(tab, "webapp", "webapp-basics")
    page = tab.page
    plan = page.locator("#plan")
    expect(plan.locator("option:checked")).to_have_text(re.compile(r"^contoso-free-plan \("))
    expect(page.locator("#runtime-stack option:checked")).to_have_text("Select a runtime stack")
    stacks = page.locator("#runtime-stack option")
    for label in (".NET 5", "Node 14 LTS", "Python 3.9"):
        expect(stacks.filter(has_text=label)).to_have_count(1)
    expect(stacks.filter(has_text=".NET 8 (LTS)")).to_have_count(0)

    page.locator("#resource-group").select_option("contoso-rg")
    page.locator("#name").fill("e2e-python-app")
    expect(page.locator("#name-check")).to_contain_text("is available")
    _choose_stack(tab, "Python 3.9")
    expect(page.locator("#webapp-os-linux")).to_be_checked()
    expect(page.locator("#webapp-os-windows")).to_be_disabled()
    expect(plan.locator("option:checked")).to_have_text(re.compile(r"^contoso-p1v3-plan \("))
    expect(page.locator("label[for='plan']")).to_have_text("Linux Plan (East US)")
    tab.shot("python-linux")

    _choose_stack(tab, "ASP.NET V4.8")
    expect(page.locator("#webapp-os-windows")).to_be_checked()
    expect(page.locator("#webapp-os-linux")).to_be_disabled()
    expect(plan.locator("option:checked")).to_have_text(re.compile(r"^contoso-free-plan \("))
    tab.shot("aspnet-windows")

    _choose_stack(tab, "Node 14 LTS")
    expect(page.locator("#webapp-os-linux")).to_be_enabled()
    expect(page.locator("#webapp-os-windows")).to_be_enabled()
    _choose_stack(tab, "Python 3.9")
    banner = review_and_create(tab, "python-review")
    expect(banner).to_have_attribute("data-validation", "passed")
    expect(page.locator("#tab-review .az-prop", has_text="Runtime stack")).to_contain_text("Python 3.9")
    create_and_open_deployment(tab, "python-deployment")
    assert WebApp.objects.get(sandbox=tab.sandbox(), name="e2e-python-app").runtime_stack == "python|3.9"


def test_the_current_era_offers_its_stacks_and_the_overview_shows_the_app_s(tab):
    _switch_era(tab, "current")
    open_marketplace_product(tab, "webapp", "current-webapp-basics")
    stacks = tab.page.locator("#runtime-stack option")
    for label in (".NET 8 (LTS)", "Node 20 LTS", "Python 3.12"):
        expect(stacks.filter(has_text=label)).to_have_count(1)
    expect(stacks.filter(has_text="Node 14 LTS")).to_have_count(0)
    _choose_stack(tab, "PHP 8.3")
    expect(tab.page.locator("#webapp-os-windows")).to_be_disabled()
    tab.shot("current-php")

    # The seeded app keeps the stack it was created with when the era switches.
    open_blade(tab, "contoso-api", "overview", "current-overview")
    expect(tab.page.locator("#runtime-stack")).to_have_text(".NET 5")
