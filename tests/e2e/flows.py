"""Steps of the issue #2 walkthrough that several browser tests share.

Each step clicks what a learner clicks and waits for what the page shows, by
the ids and data attributes the templates give for that purpose."""

import re

from playwright.sync_api import Locator, expect

from tests.e2e.support import LIVE_TIMEOUT_MS, Tab


def open_blade(tab: Tab, app: str, page: str, step: str | None = None) -> None:
    """Open one of the app's blades straight from its URL (a deep link)."""
    response = tab.goto(tab.app_url(app, page), step)
    assert response is not None and response.status == 200, f"{app} {page}: {response and response.status}"


def status_badge(tab: Tab) -> Locator:
    return tab.page.locator("span[id^=app-status-]").first


def open_add_vnet_pane(tab: Tab, step: str | None = "add-vnet-pane") -> Locator:
    """On the VNet Configuration page: "Add VNet" opens the context pane."""
    tab.page.locator("#add-vnet").click()
    pane = wait_for_pane(tab)
    expect(pane.locator("#vnet-select")).to_be_visible()
    if step:
        tab.shot(step)
    return pane


def wait_for_pane(tab: Tab, pane_id: str = "context-pane") -> Locator:
    """A pane (the context pane, the notifications pane), once it has slid in
    from the right and htmx has wired up its controls."""
    tab.settle()
    tab.page.wait_for_function(
        """(id) => {
          const pane = document.getElementById(id);
          return pane && pane.classList.contains('open')
            && Math.abs(pane.getBoundingClientRect().right - window.innerWidth) < 1;
        }""",
        arg=pane_id,
    )
    return tab.page.locator(f"#{pane_id}.open")


def vnet_option(tab: Tab, vnet: str) -> Locator:
    """The drop-down's option for ``vnet`` (its label adds the group or region)."""
    return tab.page.locator("#vnet-select option", has_text=re.compile(rf"^{re.escape(vnet)} \("))


def choose_vnet(tab: Tab, vnet: str, step: str | None = None) -> None:
    value = vnet_option(tab, vnet).get_attribute("value")
    with tab.page.expect_response(lambda r: "/vnetintegration/add/details" in r.url):
        tab.page.locator("#vnet-select").select_option(value)
    tab.settle()
    if step:
        tab.shot(step)


def select_existing_mode(tab: Tab, step: str | None = None) -> None:
    tab.page.locator("#mode-existing").check()
    tab.settle()
    expect(tab.page.locator("#subnet-select")).to_be_visible()
    if step:
        tab.shot(step)


def subnet_option(tab: Tab, subnet: str) -> Locator:
    return tab.page.locator("#subnet-select option", has_text=re.compile(rf"^{re.escape(subnet)} \("))


def integrate_existing_subnet(
    tab: Tab, *, vnet: str = "contoso-vnet", subnet: str = "integration-subnet", step: str = "integrate"
) -> None:
    """Add VNet -> a same-region VNet -> Select Existing -> a subnet -> OK,
    from the app's VNet Configuration page; waits for the integrated panel."""
    open_add_vnet_pane(tab, step=None)
    choose_vnet(tab, vnet)
    select_existing_mode(tab)
    tab.page.locator("#subnet-select").select_option(subnet_option(tab, subnet).get_attribute("value"))
    tab.shot(f"{step}-chosen")
    tab.page.locator("#add-vnet-ok").click()
    tab.settle()
    expect(tab.page.locator("#integration-panel")).to_have_attribute("data-integrated", "regional")
    expect(tab.page.locator("#context-pane")).not_to_have_class(re.compile(r"\bopen\b"))
    tab.shot(f"{step}-done")


def integrate_lab_subnet(tab: Tab, subnet: dict, *, vnet: str = "contoso-vnet") -> None:
    """On the app's VNet integration page: Add VNet -> ``vnet`` -> Create
    New Subnet with a lab's name and range (``{"name", "prefix"}``) -> OK."""
    open_add_vnet_pane(tab, step=None)
    choose_vnet(tab, vnet)
    tab.page.locator("#subnet-name").fill(subnet["name"])
    tab.page.locator("#subnet-prefix").fill(subnet["prefix"])
    tab.page.locator("#add-vnet-ok").click()
    tab.settle()
    expect(tab.page.locator("#integration-panel")).to_have_attribute("data-integrated", "regional")


def integrate_new_subnet(
    tab: Tab, name: str, *, vnet: str = "contoso-vnet", prefix: str | None = None, step: str = "integrate"
) -> str:
    """Add VNet -> a same-region VNet -> Create New Subnet with ``prefix``
    (else the suggested address block) -> OK. Returns the block."""
    open_add_vnet_pane(tab, step=None)
    choose_vnet(tab, vnet)
    tab.page.locator("#subnet-name").fill(name)
    if prefix is not None:
        tab.page.locator("#subnet-prefix").fill(prefix)
    prefix = tab.page.locator("#subnet-prefix").input_value()
    tab.shot(f"{step}-new-subnet")
    tab.page.locator("#add-vnet-ok").click()
    tab.settle()
    expect(tab.page.locator("#integration-panel")).to_have_attribute("data-integrated", "regional")
    tab.shot(f"{step}-done")
    return prefix


def sign_in_instructor(tab: Tab, username: str, password: str, step: str | None = None) -> None:
    """The classroom's sign-in page -> Username, Password -> Sign in: the
    instructor's Classes page (CLS-02). It is live only when the browser
    has a sandbox (a classroom page makes none, CLS-03), so this waits for
    the page, not its socket."""
    page = tab.page
    page.goto(tab.base_url + "/classroom/signin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Classes", level=1)).to_be_visible()
    if step:
        tab.shot(step)


def console_errors(tab: Tab) -> list[str]:
    """Record the tab's console errors and page errors from now on (a push
    whose element isn't on the page is one: htmx:oobErrorNoTarget)."""
    errors: list[str] = []

    def record(message) -> None:
        if message.type == "error":
            errors.append(message.text)

    tab.page.on("console", record)
    tab.page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def wait_until_running(tab: Tab) -> None:
    """The restart is over (pushed to the tab when the operation finishes)."""
    expect(status_badge(tab)).to_have_attribute("data-status", "Running", timeout=LIVE_TIMEOUT_MS)


def toast(tab: Tab, title: str) -> Locator:
    return tab.page.locator("#toasts .az-toast", has=tab.page.locator(".az-toast-title", has_text=title))


# --- Shared by the Configuration, Scale up and Create a resource tests --------


def watch_overview(tabs, same_sandbox_as: Tab, app: str = "contoso-web", label: str = "second-tab") -> Tab:
    """A second tab of the same sandbox (same cookies) on ``app``'s Overview,
    loaded and live, its badge reading Running."""
    watcher = tabs.tab(label, same_sandbox_as=same_sandbox_as)
    open_blade(watcher, app, "overview", "overview-before")
    expect(status_badge(watcher)).to_have_attribute("data-status", "Running")
    assert watcher.sandbox() == same_sandbox_as.sandbox()
    return watcher


def statuses_seen(tab: Tab) -> list[str]:
    """Every status the tab's badge showed since it loaded, repeats folded."""
    seen: list[str] = []
    for status in tab.probe()["statuses"]:
        if not seen or seen[-1] != status:
            seen.append(status)
    return seen


def htmx_click(tab: Tab, locator: Locator, url_part: str, method: str = "POST"):
    """Click a control that sends an htmx request to a URL containing
    ``url_part``; wait for the answer and for htmx to swap it in. Returns the
    response (its status tells a refusal, 422, from a success)."""
    with tab.page.expect_response(lambda r: url_part in r.url and r.request.method == method) as answer:
        locator.click()
    tab.settle()
    return answer.value


# Configuration > Application settings


def setting_rows(tab: Tab) -> Locator:
    return tab.page.locator("#app-settings-table tbody tr[data-setting]")


def setting_names(tab: Tab) -> list[str]:
    return setting_rows(tab).evaluate_all("rows => rows.map(r => r.dataset.setting)")


def setting_row(tab: Tab, name: str) -> Locator:
    return tab.page.locator(f"#app-settings-table tbody tr[data-setting='{name}']")


def open_setting_pane(tab: Tab, edit: str | None = None, step: str | None = None) -> Locator:
    """Select "+ New application setting", or a row's pencil when ``edit``
    names it: the "Add/Edit application setting" pane slides in from the right."""
    if edit is None:
        tab.page.locator("#new-app-setting").click()
    else:
        setting_row(tab, edit).get_by_role("link", name=f"Edit {edit}").click()
    pane = wait_for_pane(tab)
    expect(pane.get_by_role("heading", name="Add/Edit application setting")).to_be_visible()
    expect(pane.locator("#setting-name")).to_be_visible()
    if step:
        tab.shot(step)
    return pane


def submit_setting(tab: Tab, name: str, value: str, step: str | None = None):
    """Type the pane's Name and Value and select OK. Returns the response."""
    tab.page.locator("#setting-name").fill(name)
    tab.page.locator("#setting-value").fill(value)
    response = htmx_click(tab, tab.page.locator("#setting-ok"), "/configuration/draft")
    if step:
        tab.shot(step)
    return response


def pane_closed(tab: Tab, pane_id: str = "context-pane") -> None:
    """The pane has closed and finished sliding out past the right edge."""
    expect(tab.page.locator(f"#{pane_id}")).not_to_have_class(re.compile(r"\bopen\b"))
    tab.page.wait_for_function(
        """(id) => {
          const pane = document.getElementById(id);
          return pane && pane.getBoundingClientRect().left >= window.innerWidth - 1;
        }""",
        arg=pane_id,
    )


def add_app_setting(tab: Tab, name: str, value: str, step: str | None = None) -> None:
    """+ New application setting -> Name, Value -> OK: the pane closes and
    the grid shows the row as unsaved."""
    open_setting_pane(tab)
    response = submit_setting(tab, name, value)
    assert response.status == 200, f"{name} = {value}: {response.status}"
    pane_closed(tab)
    expect(setting_row(tab, name)).to_have_attribute("data-unsaved", "true")
    if step:
        tab.shot(step)


def save_app_settings(tab: Tab, step: str | None = "save"):
    """Save -> the "Save changes" confirmation -> Continue. Returns the
    response to Continue (200 saved, 422 refused)."""
    tab.page.locator("#save-settings").click()
    pane = wait_for_pane(tab)
    expect(pane.get_by_role("heading", name="Save changes")).to_be_visible()
    expect(pane.locator("#restart-warning")).to_contain_text("restarts the app")
    if step:
        tab.shot(f"{step}-confirm")
    response = htmx_click(tab, pane.locator("#confirm-save"), "/configuration/save")
    pane_closed(tab)  # saved or refused, the answer is on the page, not in the pane
    if step:
        tab.shot(f"{step}-done")
    return response


# Create a resource


def wizard_click(tab: Tab, locator: Locator, step: str | None = None):
    """Press a button of a create wizard (the form re-renders in place)."""
    response = htmx_click(tab, locator, "/create/")
    if step:
        tab.shot(step)
    return response


def wizard_tab(tab: Tab, slug: str) -> Locator:
    return tab.page.locator(f"#tab-button-{slug}")


def review_and_create(tab: Tab, step: str = "review") -> Locator:
    """Select "Review + create"; returns the validation banner."""
    wizard_click(tab, tab.page.locator("#review-button"), step)
    expect(wizard_tab(tab, "review")).to_have_attribute("aria-selected", "true")
    return tab.page.locator("#validation-banner")


def create_and_open_deployment(tab: Tab, step: str = "deployment") -> None:
    """Select "Create" (after "Validation passed"): the deployment page
    replaces the wizard and says the deployment is complete."""
    expect(tab.page.locator("#create-button")).to_be_enabled()
    with tab.page.expect_response(lambda r: "/create/deployments/" in r.url):
        tab.page.locator("#create-button").click()
    tab.settle()
    expect(tab.page.locator("#deployment-status")).to_have_text("Your deployment is complete", timeout=LIVE_TIMEOUT_MS)
    tab.shot(step)


def open_marketplace_product(tab: Tab, kind: str, step: str | None = None) -> None:
    """Home -> "+ Create a resource" -> the product's "Create" link."""
    tab.goto("/")
    menu = tab.page.locator("nav.az-portal-menu")
    tab.follow(menu.get_by_role("link", name="Create a resource"), "marketplace" if step else None)
    # The page's title follows the era: "Create a resource" (Classic), "Marketplace" (Current).
    expect(tab.page.locator("h1.az-blade-title")).to_have_text(re.compile(r"^(Create a resource|Marketplace)$"))
    tab.follow(tab.page.locator(f"#product-list li[data-product='{kind}'] #create-{kind}"), step)
    expect(tab.page.locator("#create-wizard")).to_be_visible()
    expect(wizard_tab(tab, "basics")).to_have_attribute("aria-selected", "true")


def switch_era(tab: Tab, era: str) -> None:
    """Portal settings > Portal era > Apply, as a learner does it."""
    tab.goto("/sandbox/")
    tab.page.locator("#era").select_option(era)
    tab.follow(tab.page.locator("#save-era"), f"era-{era}")


def integrated_in_current_era(tab: Tab) -> None:
    """The Current era, contoso-web integrated with its integration subnet and
    running again, on its VNet integration page: where "Outbound internet
    traffic" is ticked and applied."""
    switch_era(tab, "current")
    open_blade(tab, "contoso-web", "vnet_integration")
    integrate_existing_subnet(tab)
    wait_until_running(tab)
