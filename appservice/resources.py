"""The App Service app's resource types, as the portal's registry knows them:
web apps (with their live "Restarting" badge), plans, and a web app's VNet
integration. Registered from AppserviceConfig.ready()."""

from collections.abc import Iterable
from datetime import datetime

from django.urls import reverse

from appservice.models import WebApp
from networking.resources import arm_document
from portal.access import blade_kwargs
from portal.registry import (
    AUTOMATION,
    Diagnostic,
    LiveBadge,
    MenuItem,
    MenuSection,
    Product,
    ResourceType,
    registry,
)

WEB_API = "2022-09-01"


def _item(label: str, icon: str, url_name: str, **extra) -> MenuItem:
    # The app's views mark the active page by its URL name.
    return MenuItem(label, icon, f"appservice:{url_name}", url_name, **extra)


WEB_APP_MENU = (
    MenuSection(
        "", (_item("Overview", "bi-globe2", "overview"), _item("Activity log", "bi-journal-text", "activity_log"))
    ),
    MenuSection(
        "Settings",
        (
            # portal-ui §2.4 [newer]: the app settings live under "Environment variables".
            _item("Configuration", "bi-sliders", "configuration", era_labels=(("current", "Environment variables"),)),
            # ... and General settings, Default documents and Path mappings stay under "Configuration".
            MenuItem(
                "Configuration", "bi-sliders", "appservice:general_settings", "site_configuration", eras=("current",)
            ),
            _item("Networking", "bi-diagram-3", "networking"),
            _item("Scale up (App Service plan)", "bi-arrow-up-square", "scale_up"),
        ),
    ),
    MenuSection(
        "Support + troubleshooting",
        (
            _item("Network troubleshooter", "bi-signpost-split", "troubleshoot"),
            _item("Console", "bi-terminal", "console"),
        ),
    ),
    AUTOMATION,
)

PLAN_MENU = (
    MenuSection("", (_item("Overview", "bi-hdd-stack", "plan_overview"),)),
    MenuSection("Settings", (_item("Scale up", "bi-arrow-up-square", "plan_scale_up"),)),
    AUTOMATION,
)


def app_states(sandbox, pks: Iterable[int], now: datetime) -> dict[int, str]:
    """Running, Restarting or Stopped, from the stored restart end (DESIGN:
    state that depends on time is derived from timestamps)."""
    changed = WebApp.objects.filter(sandbox=sandbox, pk__in=list(pks)).only("pk", "stopped", "restart_ends_at")
    return {app.pk: app.status_at(now) for app in changed}


def resource_types() -> list[ResourceType]:
    return [
        ResourceType(
            arm_type="Microsoft.Web/sites",
            api_version=WEB_API,
            label="App Service",
            icon="bi-globe2",
            model="appservice.WebApp",
            overview_url="appservice:overview",
            menu=WEB_APP_MENU,
            product=Product(
                "Web App",
                "bi-globe2",
                "Build, deploy and scale web apps on a fully managed platform.",
                frozenset({"popular", "web"}),
                wizard="webapp",
                rank=2,
            ),
            badge=LiveBadge(
                operation_kinds=("restart",),
                states=app_states,
                partial="appservice/live_badge.html",
                id_prefix="app-status-",
            ),
            to_arm=arm_document,
        ),
        ResourceType(
            arm_type="Microsoft.Web/serverFarms",
            api_version=WEB_API,
            label="App Service plan",
            icon="bi-hdd-stack",
            model="appservice.AppServicePlan",
            overview_url="appservice:plan_overview",
            menu=PLAN_MENU,
            product=Product(
                "App Service Plan",
                "bi-hdd-stack",
                "The workers (OS, pricing tier, instances) your apps run on.",
                frozenset({"popular", "web"}),
                wizard="appserviceplan",
                rank=3,
            ),
            to_arm=arm_document,
        ),
        # One model, two ARM types: regional integration is the site's
        # networkConfig ("virtualNetwork"); gateway-required integration is a
        # virtualNetworkConnection.
        ResourceType(
            arm_type="Microsoft.Web/sites/networkConfig",
            api_version=WEB_API,
            label="VNet integration",
            icon="bi-diagram-3",
            model="appservice.VnetIntegration",
            listed=False,
            row_filter={"kind": "regional"},
        ),
        ResourceType(
            arm_type="Microsoft.Web/sites/virtualNetworkConnections",
            api_version=WEB_API,
            label="VNet integration (gateway-required)",
            icon="bi-diagram-3",
            model="appservice.VnetIntegration",
            listed=False,
            row_filter={"kind": "gateway"},
        ),
    ]


def _troubleshooter_url(app: WebApp) -> str:
    return reverse("appservice:troubleshoot", kwargs=blade_kwargs(app))


TROUBLESHOOTER = Diagnostic(
    "Network troubleshooter",
    "bi-signpost-split",
    "Why can't the app reach an address? Follows its traffic through the integration, routes, NSGs and DNS.",
    _troubleshooter_url,
)


def register() -> None:
    for resource_type in resource_types():
        registry.register(resource_type)
    registry.add_diagnostic("Microsoft.Web/sites", TROUBLESHOOTER)
    registry.add_wizard("webapp", "appservice.forms.WebAppWizard")
    registry.add_wizard("appserviceplan", "appservice.forms.AppServicePlanWizard")
