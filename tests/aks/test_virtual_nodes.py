"""The virtual nodes add-on (AKS-04, SEED-27): offered on the wizard's
Networking tab, refused with kubenet on its own field with ERR-34, stored on
the cluster and shown on its Networking page and in its JSON."""

import pytest

from aks import services
from aks.models import ManagedCluster
from portal.errors import AzureRuleError
from tests.helpers.aks import WIZARD, aks_subnets, blade, form, group, spec, state

ERR_34 = "Cluster &#x27;lab-aks&#x27; uses kubenet. Windows Server node pools and virtual nodes require Azure CNI."


@pytest.fixture
def subnet(alice):
    return aks_subnets(alice)["aks-subnet"]


# --- the service -------------------------------------------------------------------------------


def test_aks_04_virtual_nodes_on_kubenet_are_refused_on_their_field_and_nothing_is_written(alice, subnet):
    before = state(alice)
    with pytest.raises(AzureRuleError) as caught:
        services.create_cluster(group(alice), spec(subnet, virtual_nodes=True))
    error = caught.value
    assert (error.err_id, error.field) == ("ERR-34", "virtual_nodes")
    assert "AKS-04" in error.rule_ids
    assert error.message == "Cluster 'lab-aks' uses kubenet. Windows Server node pools and virtual nodes require Azure CNI."
    assert state(alice) == before


def test_aks_04_the_current_era_refuses_virtual_nodes_on_kubenet_too(alice, subnet):
    alice.sandbox.era = "current"
    alice.sandbox.save()
    with pytest.raises(AzureRuleError) as caught:
        services.create_cluster(group(alice), spec(subnet, virtual_nodes=True))
    assert (caught.value.err_id, caught.value.field) == ("ERR-34", "virtual_nodes")


def test_virtual_nodes_with_azure_cni_are_stored_and_in_the_arm_json(alice, subnet):
    cluster = services.create_cluster(group(alice), spec(subnet, network_plugin="azure", virtual_nodes=True))
    cluster.refresh_from_db()
    assert cluster.virtual_nodes
    assert cluster.arm_json()["properties"]["addonProfiles"] == {"aciConnectorLinux": {"enabled": True}}


def test_a_cluster_without_virtual_nodes_has_no_add_on(alice, subnet):
    cluster = services.create_cluster(group(alice), spec(subnet))
    assert not cluster.virtual_nodes
    assert cluster.arm_json()["properties"]["addonProfiles"] == {}


# --- the wizard -------------------------------------------------------------------------------


def test_the_networking_tab_offers_enable_virtual_nodes_unticked(alice):
    html = alice.get(WIZARD).content.decode()
    assert 'name="virtual_nodes" id="virtual-nodes" value="on">' in html
    assert "Enable virtual nodes" in html
    section = html[html.index('id="tab-networking"') : html.index('id="tab-review"')]
    assert 'id="virtual-nodes"' in section


def test_ticking_virtual_nodes_with_kubenet_fails_review_with_err_34_under_the_checkbox(alice, subnet):
    before = state(alice)
    response = alice.post(WIZARD, form(alice, subnet, virtual_nodes="on"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Validation failed. Required information is missing or not valid." in html
    row = html[html.index('<span class="az-label">Virtual nodes</span>') :]
    row = row[: row.index('class="az-field-help"')]
    assert ERR_34 in row
    assert "ERR-34, AKS-04, SEED-27" in row
    # The box stays ticked so the learner sees what was refused.
    assert 'id="virtual-nodes" value="on" checked' in row
    assert state(alice) == before


def test_virtual_nodes_with_azure_cni_pass_review_and_create_the_cluster_with_the_add_on(alice, subnet):
    data = form(alice, subnet, network_plugin="azure", virtual_nodes="on")
    review = alice.post(WIZARD, data)
    html = review.content.decode()
    assert review.status_code == 200 and "Validation passed" in html
    summary = html[html.index('id="tab-review"') :]
    assert "Virtual nodes" in summary and "Enabled" in summary
    response = alice.post(WIZARD, {**data, "action": "create"})
    assert response.status_code == 302
    cluster = ManagedCluster.objects.get(sandbox=alice.sandbox, name="lab-aks")
    assert cluster.virtual_nodes


def test_the_networking_page_shows_whether_virtual_nodes_are_enabled(alice, subnet):
    on = services.create_cluster(group(alice), spec(subnet, name="with-vn", network_plugin="azure", virtual_nodes=True))
    off = services.create_cluster(group(alice), spec(subnet, name="without-vn", network_plugin="azure"))
    assert 'id="virtual-nodes" data-enabled="true">Enabled' in alice.get(blade(on, "networking")).content.decode()
    assert 'id="virtual-nodes" data-enabled="false">Disabled' in alice.get(blade(off, "networking")).content.decode()

