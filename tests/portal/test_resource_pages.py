"""The pages every resource has (portal/resource_views.py): Access control
(IAM), Tags (TAG-01..05), Diagnose and solve problems, Locks (LOCK-01..04),
and the menu entries that lead to them."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from aks.models import ManagedCluster
from appservice.models import AppServicePlan, WebApp
from networking.models import NetworkSecurityGroup, PrivateDnsZone, VirtualNetwork
from networking.services import nsgs as nsg_services
from networking.services import vnets as vnet_services
from portal import blades, locks, tags
from portal.arm import deploy, export
from portal.arm.errors import ArmError
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry, LockLevel, ResourceLock
from portal.seed import reset_sandbox
from tests.helpers import HX

pytestmark = pytest.mark.django_db

MODELS = {
    "vnet": (VirtualNetwork, "contoso-vnet"),
    "webapp": (WebApp, "contoso-web"),
    "nsg": (NetworkSecurityGroup, None),
    "aks": (ManagedCluster, None),
}


def resource_of(client, kind: str):
    model, name = MODELS[kind]
    rows = model.objects.filter(sandbox=client.sandbox).select_related("resource_group__subscription", "sandbox")
    if model is VirtualNetwork:
        rows = rows.filter(is_classic=False)
    return (rows.filter(name=name) if name else rows).first()


def page_url(resource, page: str, **extra) -> str:
    provider, _, type_name = resource.arm_type.partition("/")
    rg = resource.resource_group
    kwargs = {
        "subscription_id": rg.subscription.subscription_id,
        "rg": rg.name,
        "provider": provider,
        "type_name": type_name,
        "name": resource.name,
        **extra,
    }
    return reverse(page, kwargs=kwargs)


def menu_labels(html: str) -> list[str]:
    return [
        unescape(label)
        for label in re.findall(r'class="az-resource-menu-item[^"]*"[^>]*><i[^>]*></i><span>([^<]+)', html)
    ]


@pytest.fixture
def estate(carol):
    return carol


# --- menus ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", MODELS)
def test_every_menu_has_the_standard_pages_in_portal_order(estate, kind):
    resource = resource_of(estate, kind)
    html = estate.get(page_url(resource, "resource_tags")).content.decode()
    labels = menu_labels(html)
    top = labels[: labels.index("Diagnose and solve problems") + 1]
    assert top[1:] == ["Activity log", "Access control (IAM)", "Tags", "Diagnose and solve problems"]
    assert "Locks" in labels and labels.index("Locks") > labels.index("Diagnose and solve problems")


def test_the_vnet_menu_says_properties_not_json_view(alice):
    html = alice.get(page_url(resource_of(alice, "vnet"), "resource_iam")).content.decode()
    assert "Properties" in menu_labels(html)
    assert "Properties / JSON View" not in html


def test_a_plan_gets_an_activity_log_and_a_settings_locks_entry(alice):
    plan = AppServicePlan.objects.filter(sandbox=alice.sandbox).select_related("resource_group__subscription").first()
    menu = blades.resource_menu(plan, "plan_overview")
    assert [item["label"] for item in menu[0]["items"]][:2] == ["Overview", "Activity log"]
    assert any(
        item["label"] == "Locks" for section in menu if section["heading"] == "Settings" for item in section["items"]
    )
    response = alice.get(page_url(plan, "resource_activity_log"))
    assert response.status_code == 200 and "Activity log" in response.content.decode()


def test_a_vnet_keeps_its_own_activity_log_page(alice):
    vnet = resource_of(alice, "vnet")
    items = [item for section in blades.resource_menu(vnet, "overview") for item in section["items"]]
    activity = next(item for item in items if item["label"] == "Activity log")
    assert activity["url"].endswith("/activitylog") and "virtualNetworks" in activity["url"]


# --- every page renders, for several types; an outsider gets 404 -----------------------------


@pytest.mark.parametrize("page", ["resource_iam", "resource_tags", "resource_diagnose", "resource_locks"])
@pytest.mark.parametrize("kind", MODELS)
def test_each_page_renders_for_the_type(estate, bob, kind, page):
    resource = resource_of(estate, kind)
    url = page_url(resource, page)
    assert estate.get(url).status_code == 200
    assert estate.get(url, **HX).status_code == 200
    assert bob.get(url).status_code == 404


def test_an_unknown_type_is_404(alice):
    url = page_url(resource_of(alice, "vnet"), "resource_tags").replace("virtualNetworks", "nopes")
    assert alice.get(url).status_code == 404


def test_read_only_pages_refuse_post(alice):
    vnet = resource_of(alice, "vnet")
    for page in ("resource_iam", "resource_diagnose", "resource_locks"):
        assert alice.post(page_url(vnet, page)).status_code == 405


# --- IAM ---------------------------------------------------------------------------------------


def test_iam_shows_the_one_owner_and_a_disabled_add(alice):
    html = alice.get(page_url(resource_of(alice, "vnet"), "resource_iam")).content.decode()
    row = re.search(r'<tr data-assignment="learner@vnetlab.local">(.*?)</tr>', html, re.S).group(1)
    assert "Owner" in row and "Subscription (Inherited)" in row and "User" in row
    assert 'id="iam-add" disabled' in html
    assert "one user" in html
    assert "Role assignments" in html


# --- Diagnose and solve problems ------------------------------------------------------------


def test_diagnose_lists_the_network_watcher_tools_for_a_network_type(alice):
    html = alice.get(page_url(resource_of(alice, "vnet"), "resource_diagnose")).content.decode()
    for tool in ("IP flow verify", "Next hop", "Connection troubleshoot"):
        assert f'data-tool="{tool}"' in html
    assert "/NetworkWatcher_eastus/" in html


def test_diagnose_lists_a_web_apps_own_troubleshooter(alice):
    app = resource_of(alice, "webapp")
    html = alice.get(page_url(app, "resource_diagnose")).content.decode()
    assert 'data-tool="Network troubleshooter"' in html
    assert reverse("appservice:troubleshoot", kwargs=blades.blade_kwargs(app)) in html


# --- Tags ------------------------------------------------------------------------------------


def test_tags_are_applied_logged_and_shown(alice):
    vnet = resource_of(alice, "vnet")
    url = page_url(vnet, "resource_tags")
    response = alice.post(url, {"name_0": "env", "value_0": "lab", "name_1": "", "value_1": ""}, **HX)
    assert response.status_code == 200
    assert 'id="tags-saved"' in response.content.decode()
    vnet.refresh_from_db()
    assert vnet.tags == {"env": "lab"}
    assert ActivityLogEntry.objects.filter(resource_id=vnet.arm_id, operation_name="Update resource tags").exists()
    assert 'value="env"' in alice.get(url).content.decode()


def test_a_removed_row_goes_only_on_apply(alice):
    vnet = resource_of(alice, "vnet")
    tags.set_tags(vnet, {"a": "1", "b": "2"})
    url = page_url(vnet, "resource_tags")
    data = {"name_0": "a", "value_0": "1", "name_1": "b", "value_1": "2", "name_2": "", "value_2": ""}
    html = alice.post(url, {**data, "remove": "0"}, **HX).content.decode()
    assert 'value="a"' not in html and 'value="b"' in html
    vnet.refresh_from_db()
    assert vnet.tags == {"a": "1", "b": "2"}


@pytest.mark.parametrize(
    ("data", "rule", "field"),
    [
        ({"name_0": "x" * 513, "value_0": "v"}, "TAG-01", "name_0"),
        ({"name_0": "env", "value_0": "v" * 257}, "TAG-02", "value_0"),
        ({"name_0": "Env", "value_0": "a", "name_1": "env", "value_1": "b"}, "TAG-03", "name_1"),
        ({"name_0": "a/b", "value_0": "v"}, "TAG-05", "name_0"),
        ({"name_0": "a<b", "value_0": "v"}, "TAG-05", "name_0"),
    ],
)
def test_bad_tags_are_a_field_error_never_a_500(alice, data, rule, field):
    vnet = resource_of(alice, "vnet")
    response = alice.post(page_url(vnet, "resource_tags"), data, **HX)
    assert response.status_code == 422
    html = response.content.decode()
    assert rule in html
    assert 'id="tag-grid"' in html
    vnet.refresh_from_db()
    assert vnet.tags == {}


def test_more_than_fifty_tags_are_refused():
    with pytest.raises(AzureRuleError) as refused:
        tags.clean_tags((f"t{i}", "v") for i in range(51))
    assert refused.value.rule_ids == ("TAG-04",)


def test_tags_travel_through_export_and_deploy(alice):
    vnet = resource_of(alice, "vnet")
    tags.set_tags(vnet, {"env": "lab", "owner": "alice"})
    assert vnet.arm_json()["tags"] == {"env": "lab", "owner": "alice"}
    template = export.export_resource(VirtualNetwork.objects.get(pk=vnet.pk))
    document = next(r for r in template["resources"] if r["type"] == "Microsoft.Network/virtualNetworks")
    assert document["tags"] == {"env": "lab", "owner": "alice"}
    VirtualNetwork.objects.filter(pk=vnet.pk).update(tags={})
    deploy.deploy(alice.sandbox, json.dumps(template), resource_group=vnet.resource_group.name)
    vnet.refresh_from_db()
    assert vnet.tags == {"env": "lab", "owner": "alice"}


def test_a_template_with_bad_tags_is_refused_at_tags(alice):
    vnet = resource_of(alice, "vnet")
    template = export.export_resource(vnet)
    for resource in template["resources"]:
        resource["tags"] = {"a?b": "x"}
    with pytest.raises(ArmError) as refused:
        deploy.deploy(alice.sandbox, json.dumps(template), resource_group=vnet.resource_group.name)
    assert refused.value.path == "tags" and "TAG-05" in refused.value.rule_ids


# --- Locks -----------------------------------------------------------------------------------


def lock(scope, level=LockLevel.CAN_NOT_DELETE, name="keep") -> ResourceLock:
    """Lock a resource or a resource group."""
    sandbox = scope.subscription.sandbox if hasattr(scope, "subscription") else scope.sandbox
    return locks.add_lock(sandbox, scope, name=name, level=level, notes="lab")


def test_a_delete_lock_refuses_deleting_through_the_service(alice):
    vnet = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="contoso-weu-vnet")
    lock(vnet)
    with pytest.raises(AzureRuleError) as refused:
        vnet_services.delete_vnet(vnet)
    assert refused.value.rule_ids == ("LOCK-01",)
    assert "cannot perform delete operation because following scope(s) are locked" in refused.value.message
    assert "ScopeLocked" in refused.value.message
    assert VirtualNetwork.objects.filter(pk=vnet.pk).exists()


def test_a_delete_lock_refuses_deleting_from_the_blade(alice):
    vnet = VirtualNetwork.objects.select_related("resource_group__subscription").get(
        sandbox=alice.sandbox, name="contoso-weu-vnet"
    )
    lock(vnet)
    url = reverse("networking:vnet_delete", kwargs={**blades.blade_kwargs(vnet), "provider": "Microsoft.Network"})
    response = alice.post(url, **HX)
    assert response.status_code == 422
    assert "LOCK-01" in response.content.decode()
    assert VirtualNetwork.objects.filter(pk=vnet.pk).exists()


def test_a_resource_group_lock_covers_its_resources(alice):
    nsg = resource_of(alice, "nsg") or nsg_services.create_nsg(
        VirtualNetwork.objects.get(sandbox=alice.sandbox, name="contoso-vnet").resource_group,
        name="lab-nsg",
        location="eastus",
    )
    lock(nsg.resource_group, LockLevel.READ_ONLY, name="rg-freeze")
    with pytest.raises(AzureRuleError) as refused:
        nsg_services.delete_nsg(nsg)
    assert refused.value.rule_ids == ("LOCK-02",)
    assert nsg.resource_group.arm_id in refused.value.message


def test_a_read_only_lock_refuses_adding_a_subnet(alice):
    vnet = resource_of(alice, "vnet")
    lock(vnet, LockLevel.READ_ONLY, name="freeze")
    with pytest.raises(AzureRuleError) as refused:
        vnet_services.create_subnet(vnet, name="late", prefix="10.0.200.0/24")
    assert refused.value.rule_ids == ("LOCK-02",)
    assert "cannot perform write operation" in refused.value.message
    assert not vnet.subnets.filter(name="late").exists()


def test_a_read_only_lock_refuses_tags_and_a_delete_lock_does_not(alice):
    vnet = resource_of(alice, "vnet")
    lock(vnet)
    tags.set_tags(vnet, {"env": "lab"})
    lock(vnet, LockLevel.READ_ONLY, name="freeze")
    with pytest.raises(AzureRuleError):
        tags.set_tags(vnet, {"env": "prod"})
    response = alice.post(page_url(vnet, "resource_tags"), {"name_0": "env", "value_0": "prod"}, **HX)
    assert response.status_code == 422 and "LOCK-02" in response.content.decode()


def test_a_read_only_lock_refuses_a_template_that_changes_the_resource(alice):
    vnet = resource_of(alice, "vnet")
    template = export.export_resource(vnet)
    lock(vnet, LockLevel.READ_ONLY, name="freeze")
    with pytest.raises(ArmError) as refused:
        deploy.deploy(alice.sandbox, json.dumps(template), resource_group=vnet.resource_group.name)
    assert "LOCK-02" in refused.value.rule_ids


def test_locks_are_added_listed_and_deleted_from_the_blade(alice):
    vnet = resource_of(alice, "vnet")
    add = page_url(vnet, "resource_locks_add")
    assert 'id="lock-name"' in alice.get(add, **HX).content.decode()
    response = alice.post(add, {"name": "keep", "level": "CanNotDelete", "notes": "teaching"}, **HX)
    assert response.status_code == 200
    html = alice.get(page_url(vnet, "resource_locks")).content.decode()
    row = re.search(r'<tr data-lock="keep">(.*?)</tr>', html, re.S).group(1)
    assert "Delete" in row and "This resource" in row and "teaching" in row
    found = ResourceLock.objects.get(resource_id=vnet.arm_id)
    delete = page_url(vnet, "resource_locks_delete", lock=found.pk)
    assert alice.post(delete, **HX).status_code == 200
    assert not ResourceLock.objects.filter(pk=found.pk).exists()


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        ({"name": "", "level": "CanNotDelete"}, "LOCK-03"),
        ({"name": "a%b", "level": "CanNotDelete"}, "LOCK-03"),
        ({"name": "x" * 65, "level": "CanNotDelete"}, "LOCK-03"),
        ({"name": "keep", "level": "CanNotDelete", "notes": "n" * 513}, "LOCK-04"),
    ],
)
def test_bad_lock_input_is_a_field_error(alice, data, rule):
    vnet = resource_of(alice, "vnet")
    response = alice.post(page_url(vnet, "resource_locks_add"), data, **HX)
    assert response.status_code == 422
    assert rule in response.content.decode()
    assert not ResourceLock.objects.exists()


def test_a_second_lock_of_the_same_name_is_refused(alice):
    vnet = resource_of(alice, "vnet")
    lock(vnet)
    response = alice.post(page_url(vnet, "resource_locks_add"), {"name": "KEEP", "level": "ReadOnly"}, **HX)
    assert response.status_code == 422 and "LOCK-04" in response.content.decode()


def test_an_outsider_cant_add_or_delete_a_lock(alice, bob):
    vnet = resource_of(alice, "vnet")
    found = lock(vnet)
    assert bob.post(page_url(vnet, "resource_locks_add"), {"name": "x", "level": "ReadOnly"}).status_code == 404
    assert bob.post(page_url(vnet, "resource_locks_delete", lock=found.pk)).status_code == 404
    assert ResourceLock.objects.count() == 1


def test_a_resource_shows_its_groups_lock_as_inherited(alice):
    vnet = resource_of(alice, "vnet")
    lock(vnet.resource_group, name="rg-keep")
    html = alice.get(page_url(vnet, "resource_locks")).content.decode()
    row = re.search(r'<tr data-lock="rg-keep">(.*?)</tr>', html, re.S).group(1)
    assert f"{vnet.resource_group.name} (Resource group)" in row
    assert "data-action" not in row  # removed where it was made, on the group


def test_the_resource_group_has_a_locks_page(alice):
    vnet = resource_of(alice, "vnet")
    rg = vnet.resource_group
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name}
    html = alice.get(reverse("resource_group_locks", kwargs=kwargs)).content.decode()
    assert "<span>Locks</span>" in html and 'id="lock-table"' in html
    response = alice.post(reverse("resource_group_locks_add", kwargs=kwargs), {"name": "rg", "level": "ReadOnly"})
    assert response.status_code == 302
    assert ResourceLock.objects.get().resource_id == rg.arm_id


def test_a_sandbox_reset_removes_its_locks(alice):
    lock(resource_of(alice, "vnet"), LockLevel.READ_ONLY, name="freeze")
    reset_sandbox(alice.sandbox)
    assert not ResourceLock.objects.filter(sandbox=alice.sandbox).exists()
    vnet_services.create_subnet(resource_of(alice, "vnet"), name="after-reset", prefix="10.0.201.0/24")


def test_a_global_resources_tools_open_its_groups_regions_watcher(carol):
    zone = PrivateDnsZone.objects.filter(sandbox=carol.sandbox).select_related("resource_group__subscription").first()
    html = carol.get(page_url(zone, "resource_diagnose")).content.decode()
    url = re.search(r'data-tool="Next hop">.*?href="([^"]+)"', html, re.S).group(1)
    assert f"/NetworkWatcher_{zone.resource_group.location}/" in url
    assert carol.get(unescape(url)).status_code == 200
