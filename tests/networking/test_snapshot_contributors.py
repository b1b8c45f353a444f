"""The snapshot names no app above networking (issue #9): App Service and AKS
add their apps and pods through the registry's snapshot contributors, in a
number of queries that doesn't grow with the sandbox."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aks import services as aks_services
from appservice.models import WebApp
from networking import snapshot
from networking.models import Subnet
from networking.services import endpoints as endpoint_services
from portal.models import ResourceGroup
from portal.registry import registry
from tests.helpers.aks import aks_subnets, group, spec

pytestmark = pytest.mark.django_db


def _app_endpoint(client, app_name: str, name: str):
    rg = ResourceGroup.objects.select_related("subscription__sandbox").get(subscription__sandbox=client.sandbox)
    subnet = Subnet.objects.select_related("vnet").get(vnet__sandbox=client.sandbox, name="vm-subnet")
    app = WebApp.objects.select_related("plan").get(sandbox=client.sandbox, name=app_name)
    return endpoint_services.create_endpoint(
        rg, name=name, location="eastus", group_id="sites", subnet=subnet, target=app
    )


def _queries(sandbox) -> int:
    with CaptureQueriesContext(connection) as queries:
        snapshot.build(sandbox)
    return len(queries)


def test_an_endpoint_to_a_web_app_answers_for_the_apps_host_in_a_fixed_number_of_queries(alice):
    _app_endpoint(alice, "contoso-web", "web-pe")
    one = _queries(alice.sandbox)
    _app_endpoint(alice, "contoso-api", "api-pe")
    assert _queries(alice.sandbox) == one
    hosts = {pe.name: pe.target_host for pe in snapshot.build(alice.sandbox).private_endpoints}
    assert hosts == {"web-pe": "contoso-web.azurewebsites.net", "api-pe": "contoso-api.azurewebsites.net"}


def test_apps_and_clusters_reach_the_snapshot_only_through_the_registry(alice, monkeypatch):
    _app_endpoint(alice, "contoso-web", "web-pe")
    aks_services.create_cluster(group(alice), spec(aks_subnets(alice)["aks-subnet"]))
    full = snapshot.build(alice.sandbox)
    assert len(full.aks_clusters) == 1 and len(full.aks_nodes) == 3
    monkeypatch.setattr(registry, "_snapshot", [])
    bare = snapshot.build(alice.sandbox)
    assert (bare.aks_clusters, bare.aks_nodes) == ({}, ())
    assert [pe.target_host for pe in bare.private_endpoints] == [""]


def test_the_trace_command_offers_the_sources_apps_register(alice, capsys):
    assert {s.option for s in snapshot.trace_sources()} == {"app", "pod"}
    with pytest.raises(SystemExit):
        call_command("trace", "--help")
    help_text = capsys.readouterr().out
    assert "--app APP" in help_text and "--pod CLUSTER/NODE/IP" in help_text
