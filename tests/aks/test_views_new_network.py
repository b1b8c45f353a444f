"""The wizard's Networking tab "Create new" beside "Virtual network" and
"Cluster subnet" (portal-ui §9.2): pre-filled as the portal does, refused on
the field it is about (422, nothing written), and the live IP planning panel
planning for the new range."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aks.models import ManagedCluster
from networking.engine import rules as nsg_rules
from networking.models import NetworkSecurityGroup, Subnet, VirtualNetwork
from portal.models import ResourceGroup
from tests.helpers.aks import aks_subnets, state

WIZARD = reverse("create_wizard", kwargs={"kind": "kubernetes"})
PLAN = reverse("aks_ip_plan")


@pytest.fixture
def vnet(alice):
    subnets = aks_subnets(alice, subnets=(("aks-subnet", "10.50.0.0/24"), ("apps", "10.50.1.0/24")))
    return subnets["aks-subnet"].vnet


def form(client, vnet=None, **overrides) -> dict:
    data = {
        "subscription": str(client.sandbox.subscriptions.get().subscription_id),
        "resource_group": "contoso-rg",
        "new_resource_group": "",
        "name": "lab-aks",
        "region": "eastus",
        "node_size": "Standard_DS2_v2",
        "node_count": "3",
        "os_type": "Linux",
        "network_plugin": "kubenet",
        "vnet": str(vnet.pk) if vnet else "",
        "subnet": "",
        "subnet_mode": "new",
        "new_subnet_name": "cluster-subnet",
        "new_subnet_prefix": "10.50.2.0/24",
        "service_cidr": "10.0.0.0/16",
        "dns_service_ip": "10.0.0.10",
        "docker_bridge_cidr": "172.17.0.1/16",
        "network_policy": "none",
        "current_tab": "networking",
        "action": "review",
    }
    data.update(overrides)
    return data


def new_vnet_form(client, **overrides) -> dict:
    values = {
        "vnet_mode": "new",
        "subnet_mode": "",
        "new_vnet_name": "lab-aks-vnet",
        "new_vnet_space": "10.224.0.0/12",
        "new_subnet_name": "aks-subnet",
        "new_subnet_prefix": "10.224.0.0/16",
    }
    values.update(overrides)
    return form(client, **values)


def written(client) -> tuple:
    return (
        state(client),
        sorted(VirtualNetwork.objects.filter(sandbox=client.sandbox).values_list("name", flat=True)),
        sorted(Subnet.objects.filter(vnet__sandbox=client.sandbox).values_list("name", flat=True)),
    )


def test_the_networking_tab_offers_create_new_for_the_vnet_and_the_subnet(alice):
    html = alice.get(WIZARD).content.decode()
    assert 'id="create-new-vnet">Create new<' in html
    assert 'id="create-new-subnet">Create new<' in html


def test_create_new_subnet_suggests_the_first_free_block_the_plan_needs_and_lists_free_ranges(alice, vnet):
    data = form(alice, vnet, subnet_mode="", new_subnet_name="", new_subnet_prefix="", action="new_subnet")
    response = alice.post(WIZARD, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="new-subnet-name" value="aks-subnet-2"' in html  # 'aks-subnet' is taken
    # Kubenet, 3 nodes: 4 addresses fit a /29, but the lab suggests at least a /24.
    assert 'id="new-subnet-prefix" value="10.50.2.0/24"' in html
    assert 'id="new-subnet-free-ranges">10.50.2.0/23, 10.50.4.0/22' in html
    assert 'id="ip-plan-subnet">Cluster subnet (new) <strong>aks-subnet-2</strong> (10.50.2.0/24): 251 usable' in html


def test_create_new_subnet_for_50_cni_nodes_suggests_a_slash_21(alice, vnet):
    data = form(alice, vnet, subnet_mode="", network_plugin="azure", node_count="50", action="new_subnet")
    html = alice.post(WIZARD, data, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="new-subnet-prefix" value="10.50.8.0/21"' in html  # AKS-21: 1,581 addresses


@pytest.mark.parametrize(
    "era, space, prefix",
    [("classic", "10.0.0.0/8", "10.240.0.0/16"), ("current", "10.224.0.0/12", "10.224.0.0/16")],
)
def test_create_new_vnet_prefills_the_eras_defaults(alice, era, space, prefix):
    """The 2021 portal proposed 10.0.0.0/8 with a 10.240.0.0/16 subnet; AKS moved
    to 10.224.0.0/12 and 10.224.0.0/16 in 2022 (docs/fidelity.md)."""
    alice.sandbox.era = era
    alice.sandbox.save()
    html = alice.post(WIZARD, form(alice, subnet_mode="", action="new_vnet"), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="new-vnet-name" value="lab-aks-vnet"' in html
    assert f'id="new-vnet-space" value="{space}"' in html
    assert 'id="new-subnet-name" value="aks-subnet"' in html
    assert f'id="new-subnet-prefix" value="{prefix}"' in html
    assert 'id="vnet-new-label">(new) lab-aks-vnet<' in html


def test_cancel_goes_back_to_the_existing_subnets(alice, vnet):
    html = alice.post(WIZARD, form(alice, vnet, action="cancel_new_subnet"), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="new-subnet"' not in html and '<select name="subnet" id="subnet">' in html


def test_review_with_a_new_subnet_passes_and_writes_nothing(alice, vnet):
    before = written(alice)
    response = alice.post(WIZARD, form(alice, vnet))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Validation passed" in html
    assert "(new) cluster-subnet (10.50.2.0/24)" in html
    assert written(alice) == before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"new_subnet_prefix": "10.50.1.128/25"}, "overlaps &#x27;apps (10.50.1.0/24)&#x27;"),
        ({"new_subnet_prefix": "10.99.0.0/24"}, "lies outside the address space of &#x27;aks-vnet&#x27;"),
        ({"new_subnet_prefix": "10.50.2.9/24"}, "Did you mean &#x27;10.50.2.0/24&#x27;?"),
        ({"new_subnet_name": "Apps"}, "A subnet named &#x27;Apps&#x27; already exists in &#x27;aks-vnet&#x27;."),
        (
            {"new_subnet_prefix": "10.50.2.0/24", "network_plugin": "azure", "node_count": "8"},
            "Subnet &#x27;cluster-subnet&#x27; has 251 usable IPs, but 8 nodes × 30 pods need 279.",
        ),
    ],
)
def test_a_refused_new_subnet_is_422_with_the_message_on_its_field_and_nothing_written(alice, vnet, overrides, message):
    before = written(alice)
    response = alice.post(WIZARD, form(alice, vnet, **overrides))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Validation failed" in html
    box = html[html.index('id="new-subnet"') :]
    assert message in box[: box.index("</section>")]
    assert written(alice) == before


def test_a_refused_create_in_a_new_vnet_by_htmx_is_422_on_its_field_and_writes_nothing(alice, vnet):
    before = written(alice)
    response = alice.post(
        WIZARD, new_vnet_form(alice, new_vnet_space="224.0.0.0/8", action="create"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" not in html
    box = html[html.index('id="new-vnet"') :]
    assert "Address prefix &#x27;224.0.0.0/8&#x27; is reserved (multicast)" in box[:3000]
    assert "ERR-20" in box[:3000]
    assert written(alice) == before


def test_create_in_a_new_subnet_deploys_the_cluster_there(alice, vnet):
    response = alice.post(WIZARD, form(alice, vnet, action="create"))
    assert response.status_code == 302
    cluster = ManagedCluster.objects.select_related("subnet").get(sandbox=alice.sandbox, name="lab-aks")
    assert (cluster.subnet.name, cluster.subnet.address_prefix, cluster.subnet.vnet_id) == (
        "cluster-subnet",
        "10.50.2.0/24",
        vnet.pk,
    )
    assert "lab-aks" in alice.get(response["Location"]).content.decode()


def test_create_in_a_new_vnet_by_htmx_goes_to_the_deployment(alice):
    response = alice.post(WIZARD, new_vnet_form(alice, action="create"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    cluster = ManagedCluster.objects.select_related("subnet__vnet").get(sandbox=alice.sandbox, name="lab-aks")
    assert (cluster.subnet.vnet.name, cluster.subnet.vnet.address_space) == ("lab-aks-vnet", ["10.224.0.0/12"])
    deployment = alice.get(json.loads(response["HX-Location"])["path"]).content.decode()
    assert "microsoft.aks-" in deployment and "lab-aks" in deployment


def test_a_new_vnet_in_a_new_resource_group_is_checked_and_created_with_it(alice):
    data = new_vnet_form(alice, resource_group="aks-rg", new_resource_group="aks-rg")
    review = alice.post(WIZARD, data)
    assert review.status_code == 200 and "Validation passed" in review.content.decode()
    assert alice.post(WIZARD, {**data, "action": "create"}).status_code == 302
    vnet = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="lab-aks-vnet")
    assert vnet.resource_group.name == "aks-rg"


def test_ip_plan_plans_for_the_new_range(alice, vnet):
    data = form(alice, vnet, new_subnet_prefix="10.50.8.0/21", network_plugin="azure", node_count="50")
    html = alice.get(PLAN, data, HTTP_HX_REQUEST="true").content.decode()
    assert "Cluster subnet (new) <strong>cluster-subnet</strong> (10.50.8.0/21): 2,043 usable, 0 in use" in html
    assert "462" in html  # AKS-21: 2,043 - 1,581
    html = alice.get(PLAN, form(alice, vnet, new_subnet_prefix="not a range")).content.decode()
    assert "enter the range of a new one" in html


# --- Review + create writes nothing ------------------------------------------------------


def review_writes(client, data: dict) -> list[str]:
    """The statements a Review + create runs that would change the database
    (a savepoint included: a rolled-back dry run takes locks and sequence values)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.post(WIZARD, data)
    assert response.status_code == 200
    assert "Validation passed" in response.content.decode()
    changing = ("INSERT", "UPDATE", "DELETE", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(changing)]


def test_review_in_an_existing_subnet_writes_nothing(alice, vnet):
    data = form(alice, vnet, subnet_mode="", subnet=str(vnet.subnets.get(name="aks-subnet").pk))
    data.update(new_subnet_name="", new_subnet_prefix="")
    assert review_writes(alice, data) == []


def test_review_in_a_new_subnet_writes_nothing(alice, vnet):
    assert review_writes(alice, form(alice, vnet)) == []


def test_review_in_a_new_vnet_writes_nothing(alice):
    assert review_writes(alice, new_vnet_form(alice)) == []


def test_review_in_a_new_vnet_in_a_new_resource_group_writes_nothing(alice):
    data = new_vnet_form(alice, resource_group="aks-rg", new_resource_group="aks-rg")
    assert review_writes(alice, data) == []
    assert not ResourceGroup.objects.filter(subscription__sandbox=alice.sandbox, name="aks-rg").exists()


def test_review_refuses_what_the_deployment_would_hit_limit_14(alice, vnet, monkeypatch):
    # The node NSG AKS creates (AKS-02) would pass the region's limit: Review says so, as Create would.
    existing = NetworkSecurityGroup.objects.filter(sandbox=alice.sandbox, location="eastus").count()
    monkeypatch.setattr(nsg_rules, "MAX_NSGS_PER_REGION", existing)
    before = written(alice)
    response = alice.post(WIZARD, form(alice, vnet))
    assert response.status_code == 422
    assert "LIMIT-14" in response.content.decode()
    assert written(alice) == before
