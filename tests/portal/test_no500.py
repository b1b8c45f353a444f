"""No 500 from any input (issue #12): NUL characters, integers past a
database integer's range, overlong text, lists where one value is expected.
The three 500s the fuzzing of issue #12 found, each on the database it broke."""

import json

import pytest
from django.urls import reverse

from networking.models import SqlServer, StorageAccount, VirtualNetwork
from networking.services import paas as paas_services
from portal.inputs import JsonRefused, json_loads, parse_int, parse_pk
from portal.models import ResourceGroup, Sandbox
from tests.helpers import HX, app_of, app_url
from tests.helpers.gateways import create_url

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999999"


def _target(client, model, name):
    rg = ResourceGroup.objects.get(subscription__sandbox=client.sandbox)
    return paas_services.create_target(model, rg, name=name, location="eastus")


def _rule_url(target, slug):
    rg = target.resource_group
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": target.name}
    return reverse(f"networking:{slug}_vnet_rule", kwargs=kwargs)


def test_nul_in_the_search_box_is_no_500(alice):
    response = alice.get(reverse("all_resources"), {"q": "a\x00b"})
    assert response.status_code in (200, 400)


def test_nul_as_the_gateway_wizards_region_is_no_500(alice):
    response = alice.post(create_url(alice, "gateway_create"), {"region": "\x00", "action": "next"}, **HX)
    assert response.status_code in (200, 400, 422)


@pytest.mark.parametrize(
    ("model", "slug", "name"), [(StorageAccount, "storage", "contosodata"), (SqlServer, "sql", "contoso-sql")]
)
def test_a_huge_vnet_id_on_add_existing_virtual_network_is_no_500(alice, model, slug, name):
    target = _target(alice, model, name)
    rules = list(target.vnet_rules.values_list("pk", flat=True))
    for method in (alice.get, alice.post):
        response = method(_rule_url(target, slug), {"vnet": HUGE, "subnet": HUGE}, **HX)
        assert response.status_code in (200, 400, 422), response.status_code
    assert list(target.vnet_rules.values_list("pk", flat=True)) == rules
    assert VirtualNetwork.objects.filter(sandbox=alice.sandbox).exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("0", None),
        ("-3", None),
        ("²", None),
        ("١٢", None),
        ("1e3", None),
        ("", None),
        (None, None),
        (["1"], None),
        (HUGE, None),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),
        ("9" * 5000, None),
    ],
)
def test_parse_pk_answers_a_key_a_column_can_hold_or_none(text, expected):
    assert parse_pk(text) == expected


def test_parse_int_keeps_to_its_range():
    assert parse_int("-5", lo=-10) == -5
    assert parse_int("-5") is None
    assert parse_int("+4", lo=-1) == 4
    assert parse_int("11", hi=10) is None
    assert parse_int(str(-(2**63)), lo=-(2**64)) is None


def test_a_nul_in_a_url_path_names_nothing_and_makes_no_sandbox(client):
    before = Sandbox.objects.count()
    assert client.get("/resources/%00/").status_code == 404
    assert Sandbox.objects.count() == before


def test_a_nul_in_a_resource_name_of_the_url_is_a_404(alice):
    rg = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox)
    url = (
        f"/resource/subscriptions/{rg.subscription.subscription_id}/resourceGroups/{rg.name}"
        "/providers/Microsoft.Network/virtualNetworks/a%00b/overview"
    )
    assert alice.get(url).status_code == 404


def test_a_nul_in_a_typed_name_is_that_fields_error_and_writes_nothing(alice):
    groups = ResourceGroup.objects.count()
    data = {"subscription": str(alice.sandbox.subscriptions.get().subscription_id), "region": "eastus"}
    response = alice.post(
        reverse("create_wizard", args=["resourcegroup"]), {**data, "name": "rg\x00x", "action": "create"}
    )
    assert response.status_code == 422
    assert "Null characters are not allowed." in response.content.decode()
    assert ResourceGroup.objects.count() == groups


def test_a_url_key_past_a_key_columns_range_is_a_404(alice):
    rg = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox)
    base = f"/resource/subscriptions/{rg.subscription.subscription_id}/resourceGroups/{rg.name}/locks/"
    assert alice.post(base + HUGE + "/delete", **HX).status_code == 404
    assert alice.get(f"/labs/run/{HUGE}/panel/").status_code == 404


NUL_TEMPLATE = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [
        {
            "type": "Microsoft.Network/virtualNetworks",
            "apiVersion": "2023-09-01",
            "name": "nul-vnet",
            "location": "eastus",
            "tags": {"env": "a\u0000b"},
            "properties": {"addressSpace": {"addressPrefixes": ["10.90.0.0/16"]}},
        },
        {
            "type": "Microsoft.Network/networkSecurityGroups",
            "apiVersion": "2023-09-01",
            "name": "nul\u0000nsg",
            "location": "eastus",
        },
    ],
}


@pytest.mark.parametrize("index", [0, 1, "deep"])
def test_a_nul_escaped_in_a_deployed_template_is_refused_not_a_500(alice, index):
    """JSON's \\u0000 decodes to a NUL after the fields have read the text;
    nesting past the decoder's recursion is refused too."""
    rg = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox)
    kwargs = {"subscription_id": rg.subscription.subscription_id, "rg": rg.name}
    if index == "deep":
        text = "[" * 100_000
    else:
        text = json.dumps({**NUL_TEMPLATE, "resources": [NUL_TEMPLATE["resources"][index]]})
    vnets = VirtualNetwork.objects.filter(sandbox=alice.sandbox).count()
    response = alice.post(reverse("resource_group_deploy_template", kwargs=kwargs), {"template": text}, **HX)
    assert response.status_code == 422
    assert ("null character" if index != "deep" else "nested too deeply") in response.content.decode()
    assert VirtualNetwork.objects.filter(sandbox=alice.sandbox).count() == vnets


def test_json_loads_refuses_a_nul_anywhere_and_deep_nesting():
    assert json_loads('{"a": ["b", {"c": 1}]}') == {"a": ["b", {"c": 1}]}
    for text in ('{"a\\u0000": 1}', '["x", ["\\u0000"]]', '"\\u0000"', "[" * 100_000 + "]" * 100_000):
        with pytest.raises(JsonRefused):
            json_loads(text)
    assert json_loads('"\\\\u0000"') == "\\u0000"  # an escaped backslash, no NUL


def test_a_nul_escaped_in_advanced_edit_is_the_text_areas_error(alice):
    """APPSET-05: the JSON is refused on the text area, nothing saved."""
    app = app_of(alice, "contoso-web")
    saved = list(app.settings.values_list("name", "value"))
    text = json.dumps([{"name": "X", "value": "a\u0000b", "slotSetting": False}])
    body = {"base_version": str(app.settings_version), "pane": "advanced", "kind": "app-settings", "json": text}
    response = alice.post(app_url(alice, "settings_draft", "contoso-web"), body, **HX)
    assert response.status_code == 422
    assert "null character" in response.content.decode() and "APPSET-05" in response.content.decode()
    assert list(app.settings.values_list("name", "value")) == saved
