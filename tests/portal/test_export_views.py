"""Export template (a resource's and a resource group's) and Deploy a custom
template: the pages, Download, and bad input never answering 500."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from networking.models import NetworkSecurityGroup, VirtualNetwork
from portal import blades
from portal.models import ActivityLogEntry, Notification

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _kwargs(client, rg="contoso-rg") -> dict:
    return {"subscription_id": client.sandbox.subscriptions.get().subscription_id, "rg": rg}


def export_url(client, name="contoso-vnet", type_name="virtualNetworks", provider="Microsoft.Network") -> str:
    return reverse(
        "export_template", kwargs={**_kwargs(client), "provider": provider, "type_name": type_name, "name": name}
    )


def group_export_url(client) -> str:
    return reverse("resource_group_export_template", kwargs=_kwargs(client))


def deploy_url(client) -> str:
    return reverse("resource_group_deploy_template", kwargs=_kwargs(client))


def shown_template(html: str) -> dict:
    body = re.search(r'<pre class="az-json" id="export-template-json"[^>]*>(.*?)</pre>', html, re.S).group(1)
    return json.loads(unescape(body))


def test_a_resources_export_template_shows_its_template_with_download_and_copy(alice):
    response = alice.get(export_url(alice))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'contoso-vnet <span class="az-title-sep">|</span> Export template' in html
    assert 'id="export-download"' in html and 'data-copy-target="#export-template-json"' in html
    assert "portal/export.js" in html and "onclick" not in html
    template = shown_template(html)
    assert template["contentVersion"] == "1.0.0.0" and "deploymentTemplate.json" in template["$schema"]
    assert template["parameters"]["virtualNetworks_contoso_vnet_name"]["defaultValue"] == "contoso-vnet"
    (vnet,) = template["resources"]
    assert vnet["name"] == "[parameters('virtualNetworks_contoso_vnet_name')]"
    assert "10.0.1.0/24" in [s["properties"]["addressPrefix"] for s in vnet["properties"]["subnets"]]
    assert "id" not in vnet and "provisioningState" not in json.dumps(vnet)


def test_every_resource_menu_links_to_its_export_template(alice):
    vnet = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="contoso-vnet")
    urls = [item["url"] for section in blades.resource_menu(vnet, "overview") for item in section["items"]]
    assert export_url(alice) in urls


def test_download_answers_a_json_file(alice):
    response = alice.get(export_url(alice), {"download": "1"})
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="template.json"'
    assert json.loads(response.content)["resources"][0]["type"] == "Microsoft.Network/virtualNetworks"


def test_htmx_gets_the_template_fragment(alice):
    response = alice.get(export_url(alice), **HX)
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    assert html.lstrip().startswith('<div id="template">') and "<html" not in html


def test_another_sandboxs_resource_or_an_unknown_type_is_404(alice, bob):
    assert bob.get(export_url(alice)).status_code == 404
    assert alice.get(export_url(alice, type_name="notAType")).status_code == 404
    assert alice.get(export_url(alice, name="no-such-vnet")).status_code == 404


def test_export_template_is_read_only(alice):
    assert alice.post(export_url(alice)).status_code == 405
    assert alice.post(group_export_url(alice)).status_code == 405


def test_a_resource_groups_export_template_holds_its_resources(alice, bob):
    response = alice.get(group_export_url(alice))
    html = response.content.decode()
    assert response.status_code == 200 and "Export template" in html and 'aria-current="page"' in html
    types = {r["type"] for r in shown_template(html)["resources"]}
    assert {"Microsoft.Network/virtualNetworks", "Microsoft.ClassicNetwork/virtualNetworks"} <= types
    overview = reverse("resource_group", kwargs=_kwargs(alice))
    assert group_export_url(alice) in alice.get(overview).content.decode()
    assert bob.get(group_export_url(alice)).status_code == 404


NSG_TEMPLATE = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [
        {
            "type": "Microsoft.Network/networkSecurityGroups",
            "apiVersion": "2023-09-01",
            "name": "pasted-nsg",
            "location": "eastus",
            "properties": {"securityRules": []},
        }
    ],
}


def test_deploy_a_custom_template_creates_its_resources(alice):
    response = alice.post(deploy_url(alice), {"template": json.dumps(NSG_TEMPLATE)}, **HX)
    assert response.status_code == 200
    assert "Your deployment is complete: 1 resource." in response.content.decode()
    assert NetworkSecurityGroup.objects.filter(sandbox=alice.sandbox, name="pasted-nsg").exists()


def _counts(client) -> tuple:
    return (
        NetworkSecurityGroup.objects.filter(sandbox=client.sandbox).count(),
        VirtualNetwork.objects.filter(sandbox=client.sandbox).count(),
        Notification.objects.filter(sandbox=client.sandbox).count(),
        ActivityLogEntry.objects.filter(sandbox=client.sandbox).exclude(status="Failed").count(),
    )


def _with(**changes) -> str:
    document = json.loads(json.dumps(NSG_TEMPLATE))
    document["resources"][0].update(changes)
    return json.dumps(document)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('{"resources": [', "The template is not valid JSON"),
        (_with(type="Microsoft.Nope/things"), "Resource 'pasted-nsg', property 'type'"),
        (_with(properties={"securityRules": "none"}), "property 'properties.securityRules'"),
        (
            _with(
                properties={
                    "securityRules": [
                        {
                            "name": "r",
                            "properties": {"priority": 5, "direction": "Inbound", "access": "Allow", "protocol": "Tcp"},
                        }
                    ]
                }
            ),
            "Learn more: ERR-25, NSG-02",
        ),
        (
            json.dumps(
                {
                    "resources": [
                        {
                            "type": "Microsoft.Network/virtualNetworks",
                            "name": "lab-v",
                            "location": "eastus",
                            "properties": {
                                "addressSpace": {"addressPrefixes": ["10.9.0.0/16"]},
                                "subnets": [
                                    {
                                        "name": "s",
                                        "properties": {
                                            "addressPrefix": "10.9.0.0/24",
                                            "routeTable": {
                                                "id": "/subscriptions/x/resourceGroups/contoso-rg/providers/Microsoft.Network/routeTables/ghost"
                                            },
                                        },
                                    }
                                ],
                            },
                        }
                    ]
                }
            ),
            "property 'properties.subnets[0].properties.routeTable.id'",
        ),
    ],
)
def test_deploy_refuses_bad_input_in_place_and_changes_nothing(alice, text, shown):
    before = _counts(alice)
    response = alice.post(deploy_url(alice), {"template": text}, **HX)
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="deploy-error"' in html and shown in unescape(html)
    assert _counts(alice) == before


def test_deploy_without_a_template_is_a_field_error(alice):
    response = alice.post(deploy_url(alice), {"template": ""})
    assert response.status_code == 422 and "This field is required." in response.content.decode()


def test_deploy_a_custom_template_page_and_its_outsider(alice, bob):
    response = alice.get(deploy_url(alice))
    assert response.status_code == 200 and 'name="template"' in response.content.decode()
    assert bob.get(deploy_url(alice)).status_code == 404
    assert bob.post(deploy_url(alice), {"template": json.dumps(NSG_TEMPLATE)}).status_code == 404
    assert alice.put(deploy_url(alice)).status_code == 405
