"""What App Service adds to the engine's snapshot and to its traffic sources.

networking/snapshot.py builds the topology and names no app; this module,
registered from AppConfig.ready(), gives it the host names of the web apps
private endpoints point at, and turns an app into the engine's traffic
source (what its integration and settings mean, appservice/effective.py).
"""

from __future__ import annotations

from appservice.effective import ALT_DNS_SETTING, DNS_SETTING, outbound_config
from appservice.models import VnetIntegration, WebApp
from networking import snapshot
from networking.engine import topology
from networking.engine.trace import trace_app
from portal.models import Sandbox
from portal.registry import Registry

WEB_APP = WebApp._meta.model_name


def contribute(sandbox: Sandbox, builder: snapshot.SnapshotBuilder) -> None:
    """The host names of the web apps private endpoints point at: one query,
    none when no endpoint points at an app."""
    wanted = builder.endpoint_target_ids(WEB_APP)
    if not wanted:
        return
    for pk, name in WebApp.objects.filter(sandbox_id=sandbox.pk, pk__in=wanted).values_list("pk", "name"):
        builder.add_endpoint_host(WEB_APP, pk, WebApp.host_for(name))


def app_source(app: WebApp) -> topology.App:
    """The app as a traffic source: its integration and what its settings mean
    (appservice/effective.py)."""
    integration = VnetIntegration.objects.filter(app=app).select_related("vnet").first()
    settings = dict(app.settings.values_list("name", "value"))
    vnet_dns = list(integration.vnet.dns_servers) if integration else []
    config = outbound_config(
        settings=settings,
        route_all_property=app.vnet_route_all_enabled,
        integrated=integration is not None,
        regional=integration is not None and integration.is_regional,
        vnet_dns_servers=vnet_dns,
        private_zones_need_app_settings=app.sandbox.rules.private_zones_need_app_settings,
    )
    # ASDNS-06: the alternate server is appended to the explicit list or, with
    # none, to the inherited one; with neither setting the app inherits.
    named = {k.upper(): v for k, v in settings.items()}
    explicit = any(named.get(DNS_SETTING, "").split(","))
    alt = named.get(ALT_DNS_SETTING, "").strip()
    dns_servers = config.dns_servers if explicit or alt else ()
    _, outbound = app.public_addresses()
    return topology.App(
        name=app.name,
        location=app.location,
        outbound_ips=tuple(outbound),
        integration_kind=integration.kind if integration else None,
        vnet_id=integration.vnet_id if integration else None,
        subnet_id=integration.subnet_id if integration else None,
        route_all=config.route_all,
        dns_servers=dns_servers,
        private_zones=config.private_zones or not app.sandbox.rules.private_zones_need_app_settings,
    )


def find_app(sandbox: Sandbox, topology_: topology.Topology, name: str) -> topology.App:
    app = WebApp.objects.select_related("sandbox").filter(sandbox=sandbox, name__iexact=name).first()
    if app is None:
        raise LookupError(f"No app {name!r} in that sandbox.")
    return app_source(app)


APP_SOURCE = snapshot.TraceSource(
    option="app",
    metavar="APP",
    help="A web app's name.",
    find=find_app,
    trace=trace_app,
    of_resource=app_source,
)


def register(registry: Registry) -> None:
    """From AppConfig.ready(): the snapshot contribution and the trace source."""
    registry.add_snapshot_contributor(contribute)
    snapshot.register_trace_source(APP_SOURCE)
