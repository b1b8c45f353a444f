"""ARM JSON in and out for App Service: plans (Microsoft.Web/serverFarms),
web apps (Microsoft.Web/sites, with regional VNet integration as the site's
``virtualNetworkSubnetId``) and gateway-required integration, which ARM
models as the child resource Microsoft.Web/sites/virtualNetworkConnections.

In goes through appservice.services, so a template is refused where the
blades refuse, with the same rule IDs (ERR-05 for a /29 subnet, ASGW-02 for
gateway-required integration on Linux, ...).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from appservice import runtimes, services
from appservice.models import SKUS, AppServicePlan, AppSetting, ConnectionString, VnetIntegration, WebApp
from networking.arm_services import (
    Document,
    attach,
    base_arm,
    check_location,
    existing,
    find_child,
    parent,
    reference,
    referenced_name,
    refusals,
    unchangeable,
    wait_for,
)
from networking.models import Subnet, VirtualNetwork
from portal.arm import ids
from portal.arm.context import DeployContext, refusal
from portal.arm.errors import ArmError
from portal.errors import AzureRuleError
from portal.models import ResourceGroup
from portal.registry import ResourceType, registry

SITE_TYPE = WebApp.arm_type
PLAN_TYPE = AppServicePlan.arm_type
CONNECTION_TYPE = f"{SITE_TYPE}/virtualNetworkConnections"
NETWORK_CONFIG_TYPE = f"{SITE_TYPE}/networkConfig"
NETWORK_CONFIG_NAME = "virtualNetwork"  # ARM's one networkConfig of a site
ASE_TYPE = "Microsoft.Web/hostingEnvironments"
SLOT_CONFIG = "slotConfigNames"
CONFIG_TYPE = f"{SITE_TYPE}/config"

# --- Plans ----------------------------------------------------------------------------

_PLAN_FIELDS = {
    "name": "name",
    "region": "location",
    "os": "kind",
    "sku": "sku.name",
}


def _sku_family(label: str) -> str:
    """'P1v3' -> 'Pv3', 'S1' -> 'S': the letters of the size without its number."""
    return re.sub(r"^(\D+)\d+", r"\1", label)


def plan_to_arm(plan: AppServicePlan) -> dict:
    document = base_arm(plan)
    label = plan.sku_label
    document["sku"] = {
        "name": label,
        "tier": plan.tier,
        "size": label,
        "family": _sku_family(label),
        "capacity": plan.instance_count,
    }
    document["kind"] = "linux" if plan.os == "Linux" else "app"
    properties = document["properties"]
    properties["status"] = "Ready"
    properties["reserved"] = plan.os == "Linux"
    if plan.ase_name:
        rg = plan.resource_group
        properties["hostingEnvironmentProfile"] = {
            "id": f"{rg.arm_id}/providers/{ASE_TYPE}/{plan.ase_name}",
            "name": plan.ase_name,
            "type": ASE_TYPE,
        }
    return document


def plan_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> AppServicePlan:
    doc = Document(document)
    sku = doc.get("sku.name", str).upper()
    if sku not in SKUS:
        raise ArmError(
            f"'{doc.get('sku.name', str)}' isn't a pricing tier of App Service.", resource=doc.name, path="sku.name"
        )
    if doc.get("sku.capacity", int, 1) != 1:
        # The lab runs every plan on one instance: no blade scales out.
        raise ArmError("The lab's plans run on one instance.", resource=doc.name, path="sku.capacity")
    # ARM marks a Linux plan both ways: kind "linux" and reserved true.
    linux = "linux" in doc.get("kind", str, "app").lower() or doc.get("properties.reserved", bool, False)
    os_name = "Linux" if linux else "Windows"
    ase_path = "properties.hostingEnvironmentProfile.id"
    ase = referenced_name(doc, ase_path, ASE_TYPE) if doc.get(ase_path, str, None) else ""
    with transaction.atomic(), refusals(doc, _PLAN_FIELDS):
        plan = existing(AppServicePlan, resource_group, doc.name)
        if plan is None:
            return services.create_plan(
                resource_group, name=doc.name, location=doc.location, os_name=os_name, sku=sku, ase_name=ase
            )
        unchangeable(doc, "kind", plan.os, os_name)
        unchangeable(doc, ase_path, plan.ase_name, ase)
        if plan.sku != sku:
            services.scale_plan(plan, sku)
    return plan


# --- Web apps ---------------------------------------------------------------------------

_SITE_FIELDS = {"name": "name", "plan": "properties.serverFarmId"}
# Where an integration's refusal points: the subnet the template names.
_INTEGRATION_FIELDS = {"name": "name"}


def _regional(app: WebApp) -> VnetIntegration | None:
    return (
        VnetIntegration.objects.filter(app=app, kind=VnetIntegration.REGIONAL)
        .select_related("subnet__vnet__resource_group__subscription")
        .first()
    )


def _plan_of(app: WebApp) -> AppServicePlan:
    """The app's plan with its resource group and subscription (its ARM ID):
    one query, not three, unless the caller read them already."""
    if WebApp.plan.is_cached(app):
        return app.plan
    app.plan = AppServicePlan.objects.select_related("resource_group__subscription").get(pk=app.plan_id)
    return app.plan


def site_to_arm(app: WebApp) -> dict:
    document = base_arm(app)
    plan = _plan_of(app)
    document["kind"] = "app,linux" if plan.os == "Linux" else "app"
    settings = list(app.settings.all())
    site_config: dict[str, Any] = {
        "appSettings": [{"name": s.name, "value": s.value} for s in settings],
        "connectionStrings": [
            {"name": c.name, "connectionString": c.value, "type": c.type} for c in app.connection_strings.all()
        ],
        **_general_to_arm(app),
    }
    # The lab tells "never set" (None) from "off": only a set value is shown.
    if app.vnet_route_all_enabled is not None:
        site_config["vnetRouteAllEnabled"] = app.vnet_route_all_enabled
    inbound, outbound = app.public_addresses()
    properties = document["properties"]
    properties.update(
        {
            "state": "Stopped" if app.stopped else "Running",
            "serverFarmId": plan.arm_id,
            "defaultHostName": app.default_host_name,
            "enabledHostNames": [app.default_host_name],
            "outboundIpAddresses": ",".join(outbound),
            "clientAffinityEnabled": app.client_affinity_enabled,
            "clientCertEnabled": app.client_cert_mode != "Ignore",
            "clientCertMode": "Required" if app.client_cert_mode == "Ignore" else app.client_cert_mode,
            "siteConfig": site_config,
        }
    )
    integration = _regional(app)
    if integration is not None:
        properties["virtualNetworkSubnetId"] = integration.subnet.arm_id
    return document


def _general_to_arm(app: WebApp) -> dict[str, Any]:
    """The runtime stack (as runtimes.py writes it on the plan's OS), General
    settings, Path mappings and Default documents as siteConfig."""
    config: dict[str, Any] = app.runtime.site_config(app.plan.os) if app.runtime is not None else {}
    if app.plan.os == "Windows":
        config["defaultDocuments"] = list(app.default_documents)
    config.update(
        {
            "use32BitWorkerProcess": app.use_32bit_worker_process,
            "managedPipelineMode": app.managed_pipeline_mode,
            "ftpsState": app.ftps_state,
            "http20Enabled": app.http20_enabled,
            "webSocketsEnabled": app.web_sockets_enabled,
            "alwaysOn": app.always_on,
            "remoteDebuggingEnabled": app.remote_debugging_enabled,
            "handlerMappings": [
                {"extension": h["extension"], "scriptProcessor": h["script_processor"], "arguments": h["arguments"]}
                for h in app.handler_mappings
            ],
            "virtualApplications": _virtual_applications_to_arm(app.virtual_applications),
        }
    )
    return config


def _virtual_applications_to_arm(rows: list[dict]) -> list[dict]:
    """Applications at the top; each directory under the application whose
    path is the longest prefix of its own, with the rest of its path."""
    apps = [r for r in rows if r["application"]]
    documents = {
        r["virtual_path"]: {
            "virtualPath": r["virtual_path"],
            "physicalPath": r["physical_path"],
            "preloadEnabled": False,
            "virtualDirectories": [],
        }
        for r in apps
    }
    for row in rows:
        if row["application"]:
            continue
        owner = max(
            (
                a["virtual_path"]
                for a in apps
                if a["virtual_path"] == "/" or row["virtual_path"].startswith(a["virtual_path"] + "/")
            ),
            key=len,
        )
        relative = row["virtual_path"] if owner == "/" else row["virtual_path"][len(owner) :]
        documents[owner]["virtualDirectories"].append({"virtualPath": relative, "physicalPath": row["physical_path"]})
    return list(documents.values())


def _virtual_applications_from_arm(doc: Document, path: str) -> list[dict]:
    rows = []
    for item in doc.item_paths(path):
        app_path = doc.get(f"{item}.virtualPath", str)
        rows.append(
            {"virtual_path": app_path, "physical_path": doc.get(f"{item}.physicalPath", str, ""), "application": True}
        )
        for directory in doc.item_paths(f"{item}.virtualDirectories"):
            relative = doc.get(f"{directory}.virtualPath", str)
            full = relative if app_path == "/" else app_path.rstrip("/") + "/" + relative.lstrip("/")
            rows.append(
                {
                    "virtual_path": full,
                    "physical_path": doc.get(f"{directory}.physicalPath", str, ""),
                    "application": False,
                }
            )
    return rows


def _site_config_from_arm(doc: Document, app: WebApp | None, os_name: str, runtime: str) -> dict[str, Any]:
    """What the site's document sets of the runtime stack, General settings,
    Path mappings and Default documents; an absent property keeps the app's value."""
    config = "properties.siteConfig"
    now = app if app is not None else WebApp()
    values: dict[str, Any] = {"runtime_stack": runtime or now.runtime_stack}
    for field, key in (
        ("use_32bit_worker_process", f"{config}.use32BitWorkerProcess"),
        ("http20_enabled", f"{config}.http20Enabled"),
        ("web_sockets_enabled", f"{config}.webSocketsEnabled"),
        ("always_on", f"{config}.alwaysOn"),
        ("remote_debugging_enabled", f"{config}.remoteDebuggingEnabled"),
        ("client_affinity_enabled", "properties.clientAffinityEnabled"),
    ):
        values[field] = doc.get(key, bool, getattr(now, field))
    values["managed_pipeline_mode"] = doc.get(f"{config}.managedPipelineMode", str, now.managed_pipeline_mode)
    values["ftps_state"] = doc.get(f"{config}.ftpsState", str, now.ftps_state)
    cert_enabled = doc.get("properties.clientCertEnabled", bool, None)
    if cert_enabled is None:
        values["client_cert_mode"] = now.client_cert_mode
    else:
        values["client_cert_mode"] = doc.get("properties.clientCertMode", str, "Required") if cert_enabled else "Ignore"
    if doc.get(f"{config}.handlerMappings", list, None) is not None:
        values["handler_mappings"] = [
            {
                "extension": doc.get(f"{item}.extension", str, ""),
                "script_processor": doc.get(f"{item}.scriptProcessor", str, ""),
                "arguments": doc.get(f"{item}.arguments", str, ""),
            }
            for item in doc.item_paths(f"{config}.handlerMappings")
        ]
    if doc.get(f"{config}.virtualApplications", list, None) is not None:
        values["virtual_applications"] = _virtual_applications_from_arm(doc, f"{config}.virtualApplications")
    if doc.get(f"{config}.defaultDocuments", list, None) is not None and os_name == "Windows":
        values["default_documents"] = doc.strings(f"{config}.defaultDocuments")
    return values


def _connection_rows(doc: Document, app: WebApp | None) -> list[tuple[str, str, str, bool]]:
    """The site's connection strings; which are slot settings is the site's
    config "slotConfigNames" (connectionStringNames): each keeps what it had."""
    sticky = {c.name.upper() for c in app.connection_strings.filter(slot_setting=True)} if app is not None else set()
    rows = []
    for item in doc.item_paths("properties.siteConfig.connectionStrings"):
        name = doc.get(f"{item}.name", str)
        rows.append(
            (
                name,
                doc.get(f"{item}.connectionString", str, ""),
                doc.get(f"{item}.type", str, "Custom"),
                name.upper() in sticky,
            )
        )
    return rows


def _setting_rows(doc: Document, app: WebApp | None) -> list[tuple[str, str, bool]]:
    """The settings the site's document gives. Which are slot settings is
    the site's config "slotConfigNames", a resource of its own: a setting
    keeps what it had."""
    sticky = {s.name.upper() for s in app.settings.filter(slot_setting=True)} if app is not None else set()
    rows = []
    for item in doc.item_paths("properties.siteConfig.appSettings"):
        name = doc.get(f"{item}.name", str)
        rows.append((name, doc.get(f"{item}.value", str, ""), name.upper() in sticky))
    return rows


def _route_all(doc: Document) -> bool | None:
    # Newer API versions carry it on the site's properties as well.
    value = doc.get("properties.siteConfig.vnetRouteAllEnabled", bool, None)
    return value if value is not None else doc.get("properties.vnetRouteAllEnabled", bool, None)


def _settled(app: WebApp) -> None:
    """A deployment waits for the restarts it caused (the app's status is
    derived from ``restart_ends_at``)."""
    now = timezone.now()
    WebApp.objects.filter(pk=app.pk, restart_ends_at__gt=now).update(restart_ends_at=now)
    wait_for(app)
    app.refresh_from_db()


def _integrate_regional(doc: Document, app: WebApp, subnet: Subnet | None, path: str) -> None:
    current = _regional(app)
    if subnet is None or (current is not None and current.subnet_id == subnet.pk):
        return
    with refusals(doc, {"name": "name"}, default=path):
        if current is not None:
            services.disconnect(app)
        services.add_regional_integration(app, subnet.vnet, subnet=subnet)


_SITE_CONFIG_PATHS = {
    "runtime_stack": "properties.siteConfig",
    "use_32bit_worker_process": "properties.siteConfig.use32BitWorkerProcess",
    "managed_pipeline_mode": "properties.siteConfig.managedPipelineMode",
    "ftps_state": "properties.siteConfig.ftpsState",
    "always_on": "properties.siteConfig.alwaysOn",
    "client_cert_mode": "properties.clientCertMode",
    "handler_mappings": "properties.siteConfig.handlerMappings",
    "virtual_applications": "properties.siteConfig.virtualApplications",
    "default_documents": "properties.siteConfig.defaultDocuments",
}


def _save_settings(doc: Document, app: WebApp, rows: list, strings: list | None) -> None:
    """App settings and connection strings in one save (one restart); a
    refusal points at the list it is about."""
    try:
        services.save_app_settings(app, app.settings_version, rows, strings)
    except AzureRuleError as exc:
        path = "properties.siteConfig.connectionStrings" if exc.message.startswith("Connection string") else None
        raise refusal(exc, resource=doc.name, path=path or "properties.siteConfig.appSettings") from None


def _runtime(doc: Document, plan: AppServicePlan) -> str:
    """The runtime stack the site's siteConfig names on its plan's OS ("" for
    none); one the lab doesn't know is refused (CONFIG-05)."""
    config = doc.get("properties.siteConfig", dict, None) or {}
    try:
        runtime = runtimes.from_site_config(plan.os, config)
    except LookupError as exc:
        path = "properties.siteConfig." + ("linuxFxVersion" if plan.os == runtimes.LINUX else "metadata")
        raise ArmError(
            f"'{exc.args[0]}' isn't a runtime stack the lab knows.",
            resource=doc.name,
            path=path,
            rule_ids=("CONFIG-05",),
        ) from None
    return runtime.key if runtime is not None else ""


def site_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> WebApp:
    doc = Document(document)
    plan = reference(ctx, doc, "properties.serverFarmId", AppServicePlan)
    check_location(doc, plan.location, "App Service plan")
    runtime = _runtime(doc, plan)
    subnet_path = "properties.virtualNetworkSubnetId"
    subnet = reference(ctx, doc, subnet_path, Subnet) if doc.get(subnet_path, str, None) else None
    route_all = _route_all(doc)
    with transaction.atomic():
        app = WebApp.objects.filter(sandbox=resource_group.subscription.sandbox, name__iexact=doc.name).first()
        rows = _setting_rows(doc, app)
        strings_path = "properties.siteConfig.connectionStrings"
        strings = _connection_rows(doc, app) if doc.get(strings_path, list, None) is not None else None
        site_config = _site_config_from_arm(doc, app, plan.os, runtime)
        with refusals(doc, _SITE_FIELDS):
            if app is None:
                app = services.create_webapp(resource_group, name=doc.name, plan=plan, runtime=runtime)
            elif app.resource_group_id != resource_group.pk:
                raise ArmError(
                    f"'{doc.name}' already exists in resource group '{app.resource_group.name}'.",
                    resource=doc.name,
                    path="name",
                )
            unchangeable(doc, "properties.serverFarmId", app.plan, plan)
        settings_path = "properties.siteConfig.appSettings"
        with refusals(doc, {"name": settings_path, "value": settings_path}, default=settings_path):
            current = [(s.name, s.value, s.slot_setting) for s in AppSetting.objects.filter(app=app)]
            current_strings = [
                (c.name, c.value, c.type, c.slot_setting) for c in ConnectionString.objects.filter(app=app)
            ]
            if strings is not None and sorted(strings) == sorted(current_strings):
                strings = None
            if sorted(current) != sorted(rows) or strings is not None:
                _save_settings(doc, app, rows, strings)
            if route_all is not None and route_all != app.vnet_route_all_enabled:
                services.set_route_all(app, route_all)
        with refusals(doc, _SITE_CONFIG_PATHS, default="properties.siteConfig"):
            services.save_site_config(app, app.settings_version, site_config)
        _integrate_regional(doc, app, subnet, subnet_path)
        _settled(app)
    return app


# --- Regional integration as the site's networkConfig ------------------------------------


def network_config_to_arm(integration: VnetIntegration) -> dict:
    app = integration.app
    return {
        "id": f"{app.arm_id}/networkConfig/{NETWORK_CONFIG_NAME}",
        "name": NETWORK_CONFIG_NAME,
        "type": NETWORK_CONFIG_TYPE,
        "location": app.location,
        "properties": {"subnetResourceId": integration.subnet.arm_id, "swiftSupported": True},
    }


def network_config_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> VnetIntegration:
    doc = Document(document)
    site_name, name = doc.child_names(2)
    if name.lower() != NETWORK_CONFIG_NAME.lower():
        raise ArmError(f"A site's networkConfig is named '{NETWORK_CONFIG_NAME}'.", resource=doc.name, path="name")
    app = parent(ctx, resource_group, doc, WebApp, site_name)
    path = "properties.subnetResourceId"
    subnet = reference(ctx, doc, path, Subnet)
    with transaction.atomic():
        _integrate_regional(doc, app, subnet, path)
        _settled(app)
    return _regional(app)


def find_network_config(sandbox: Any, resource_id: ids.ResourceId) -> VnetIntegration | None:
    if resource_id.name.lower() != NETWORK_CONFIG_NAME.lower():
        return None
    return find_child(VnetIntegration, "app", sandbox, resource_id, name_field=None, kind=VnetIntegration.REGIONAL)


# --- Gateway-required integration: sites/virtualNetworkConnections ------------------------


def connection_to_arm(integration: VnetIntegration) -> dict:
    app, vnet = integration.app, integration.vnet
    return {
        "id": f"{app.arm_id}/virtualNetworkConnections/{vnet.name}",
        "name": vnet.name,
        "type": CONNECTION_TYPE,
        "location": app.location,
        "properties": {
            "vnetResourceId": vnet.arm_id,
            "isSwift": False,
            "resyncRequired": False,
            "routes": [],
            "dnsServers": "",
        },
    }


def connection_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> VnetIntegration:
    doc = Document(document)
    site_name, vnet_name = doc.child_names(2)
    app = parent(ctx, resource_group, doc, WebApp, site_name)
    path = "properties.vnetResourceId"
    vnet = reference(ctx, doc, path, VirtualNetwork)
    if vnet.name.lower() != vnet_name.lower():
        raise ArmError(
            "A virtual network connection is named after its virtual network.", resource=doc.name, path="name"
        )
    if doc.get("properties.isSwift", bool, False):
        raise ArmError(
            "Regional integration is the site's virtualNetworkSubnetId, not a virtual network connection.",
            resource=doc.name,
            path="properties.isSwift",
        )
    with transaction.atomic():
        current = VnetIntegration.objects.filter(app=app).first()
        if current is None or current.vnet_id != vnet.pk or current.is_regional:
            with refusals(doc, {}, default=path):
                current = services.add_gateway_integration(app, vnet)
        _settled(app)
    return current


def find_connection(sandbox: Any, resource_id: ids.ResourceId) -> VnetIntegration | None:
    # A gateway-required connection is named after its virtual network.
    return find_child(
        VnetIntegration, "app", sandbox, resource_id, name_field="vnet__name", kind=VnetIntegration.GATEWAY
    )


# --- Slot settings: the site's config "slotConfigNames" ---------------------------------------


def slot_config_to_arm(app: WebApp) -> dict:
    return {
        "id": f"{app.arm_id}/config/{SLOT_CONFIG}",
        "name": SLOT_CONFIG,
        "type": CONFIG_TYPE,
        "location": app.location,
        "properties": {
            "appSettingNames": [s.name for s in app.settings.all() if s.slot_setting],
            "connectionStringNames": [c.name for c in app.connection_strings.all() if c.slot_setting],
        },
    }


def slot_config_from_arm(ctx: DeployContext, resource_group: ResourceGroup, document: dict) -> WebApp:
    doc = Document(document)
    site_name, name = doc.child_names(2)
    if name != SLOT_CONFIG:
        raise doc.error(f"The lab's site config is '{SLOT_CONFIG}'.", "name")
    app = parent(ctx, resource_group, doc, WebApp, site_name)
    sticky = {n.upper() for n in doc.strings("properties.appSettingNames", [])}
    sticky_strings = {n.upper() for n in doc.strings("properties.connectionStringNames", [])}
    current = [(s.name, s.value, s.slot_setting) for s in app.settings.all()]
    rows = [(n, v, n.upper() in sticky) for n, v, _ in current]
    current_strings = [(c.name, c.value, c.type, c.slot_setting) for c in app.connection_strings.all()]
    strings = [(n, v, t, n.upper() in sticky_strings) for n, v, t, _ in current_strings]
    if rows != current or strings != current_strings:
        path = "properties.appSettingNames"
        with transaction.atomic(), refusals(doc, {}, default=path):
            services.save_app_settings(app, app.settings_version, rows, strings)
            _settled(app)
    return app


def find_slot_config(sandbox: Any, resource_id: ids.ResourceId) -> WebApp | None:
    if resource_id.name != SLOT_CONFIG:
        return None
    return WebApp.objects.filter(
        sandbox=sandbox, resource_group__name__iexact=resource_id.resource_group, name__iexact=resource_id.names[0]
    ).first()


def site_export(app: WebApp) -> list[dict]:
    """Export template writes the slot settings and a gateway-required
    integration as resources of their own after the site."""
    # Read once for every document below (a lab's state check reads the
    # site's export after each change the learner makes).
    prefetch_related_objects([app], "settings", "connection_strings")
    documents = [site_to_arm(app)]
    if any(s.slot_setting for s in app.settings.all()) or any(c.slot_setting for c in app.connection_strings.all()):
        documents.append(slot_config_to_arm(app))
    integration = VnetIntegration.objects.filter(app=app, kind=VnetIntegration.GATEWAY).first()
    if integration is not None:
        documents.append(connection_to_arm(integration))
    return documents


def _disconnect(integration: VnetIntegration) -> None:
    """DELETE of the app's networkConfig or virtualNetworkConnection: Disconnect."""
    services.disconnect(integration.app)


def register_arm() -> None:
    """ARM JSON in and out on the types appservice/resources.py declares."""
    attach(PLAN_TYPE, plan_to_arm, plan_from_arm)
    attach(SITE_TYPE, site_to_arm, site_from_arm, export=site_export, delete=services.delete_webapp)
    if registry.find(CONFIG_TYPE) is None:
        registry.register(
            ResourceType(
                arm_type=CONFIG_TYPE,
                api_version=registry.get(SITE_TYPE).api_version,
                label="Site configuration",
                icon="bi-dot",
                model="appservice.WebApp",
                listed=False,
            )
        )
    attach(CONFIG_TYPE, slot_config_to_arm, slot_config_from_arm, find=find_slot_config)
    attach(
        NETWORK_CONFIG_TYPE,
        network_config_to_arm,
        network_config_from_arm,
        find=find_network_config,
        delete=_disconnect,
    )
    attach(CONNECTION_TYPE, connection_to_arm, connection_from_arm, find=find_connection, delete=_disconnect)
