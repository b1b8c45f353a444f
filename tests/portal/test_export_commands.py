"""manage.py export_estate and import_estate."""

import json

import pytest
from django.core.management import CommandError, call_command

from networking.models import NetworkSecurityGroup, VirtualNetwork
from portal.arm.export import export_sandbox

pytestmark = pytest.mark.django_db

NSG = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [
        {
            "type": "Microsoft.Resources/resourceGroups",
            "apiVersion": "2022-09-01",
            "name": "lab-rg",
            "location": "eastus",
        },
        {
            "type": "Microsoft.Network/networkSecurityGroups",
            "apiVersion": "2023-09-01",
            "name": "lab-nsg",
            "resourceGroup": "lab-rg",
            "location": "eastus",
            "properties": {"securityRules": []},
        },
    ],
}


def write(tmp_path, content, name="estate.json") -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def test_export_estate_writes_the_sandboxs_template(alice, tmp_path, capsys):
    target = tmp_path / "out.json"
    call_command("export_estate", "--sandbox", str(alice.sandbox.key), "-o", str(target))
    written = json.loads(target.read_text())
    assert written == export_sandbox(alice.sandbox)
    assert {
        "type": "Microsoft.Resources/resourceGroups",
        "apiVersion": "2022-09-01",
        "name": "contoso-rg",
        "location": "eastus",
    } in written["resources"]
    call_command("export_estate", "--sandbox", str(alice.sandbox.key))
    assert json.loads(capsys.readouterr().out) == written


def test_import_estate_builds_the_template_into_a_sandbox(empty_sandbox, tmp_path, capsys):
    call_command("import_estate", "--sandbox", str(empty_sandbox.key), write(tmp_path, NSG))
    out = capsys.readouterr().out
    assert "Deployed 1 resources" in out and "(created resource groups: lab-rg)" in out
    assert NetworkSecurityGroup.objects.get(sandbox=empty_sandbox).resource_group.name == "lab-rg"


def test_import_estate_takes_a_parameters_file(empty_sandbox, tmp_path):
    template = json.loads(json.dumps(NSG))
    template["parameters"] = {"nsgName": {"type": "string"}}
    template["resources"][1]["name"] = "[parameters('nsgName')]"
    parameters = write(tmp_path, {"parameters": {"nsgName": {"value": "given-nsg"}}}, "p.json")
    call_command(
        "import_estate", "--sandbox", str(empty_sandbox.key), write(tmp_path, template), "--parameters", parameters
    )
    assert NetworkSecurityGroup.objects.get(sandbox=empty_sandbox).name == "given-nsg"


def _resources_of(sandbox) -> tuple:
    return (
        list(VirtualNetwork.objects.filter(sandbox=sandbox).values_list("name", flat=True)),
        list(NetworkSecurityGroup.objects.filter(sandbox=sandbox).values_list("name", flat=True)),
        list(sandbox.subscriptions.get().resource_groups.values_list("name", flat=True)),
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{ not json", "The template is not valid JSON"),
        (
            {**NSG, "resources": [{**NSG["resources"][1], "type": "Microsoft.Nope/things"}]},
            "resource 'lab-nsg' type: The resource type",
        ),
        (
            {
                **NSG,
                "resources": [
                    NSG["resources"][0],
                    {
                        **NSG["resources"][1],
                        "properties": {"securityRules": [{"name": "r", "properties": {"priority": "high"}}]},
                    },
                ],
            },
            "resource 'lab-nsg' properties.securityRules[0].properties.direction: The property is required.",
        ),
        (
            {
                **NSG,
                "resources": [
                    NSG["resources"][0],
                    {
                        **NSG["resources"][1],
                        "properties": {
                            "securityRules": [
                                {
                                    "name": "r",
                                    "properties": {
                                        "priority": 100,
                                        "direction": "Inbound",
                                        "access": "Allow",
                                        "protocol": "Tcp",
                                    },
                                },
                                {
                                    "name": "s",
                                    "properties": {
                                        "priority": 100,
                                        "direction": "Inbound",
                                        "access": "Allow",
                                        "protocol": "Tcp",
                                    },
                                },
                            ]
                        },
                    },
                ],
            },
            "(Learn more: ERR-26, NSG-03)",
        ),
    ],
)
def test_import_estate_refuses_with_a_clear_message_and_changes_nothing(empty_sandbox, tmp_path, content, message):
    before = _resources_of(empty_sandbox)
    with pytest.raises(CommandError) as error:
        call_command("import_estate", "--sandbox", str(empty_sandbox.key), write(tmp_path, content))
    assert message in str(error.value) and str(error.value).startswith("Nothing was deployed.")
    assert _resources_of(empty_sandbox) == before


def test_import_estate_names_a_missing_sandbox_or_file(empty_sandbox, tmp_path):
    with pytest.raises(CommandError, match="No sandbox 'nope'"):
        call_command("import_estate", "--sandbox", "nope", write(tmp_path, NSG))
    with pytest.raises(CommandError, match="Can't read"):
        call_command("import_estate", "--sandbox", str(empty_sandbox.key), str(tmp_path / "missing.json"))
    with pytest.raises(CommandError, match="No sandbox"):
        call_command("export_estate", "--sandbox", "00000000-0000-0000-0000-000000000000")
