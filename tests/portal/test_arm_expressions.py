"""The template language an estate needs: parameters, variables,
resourceId, concat, format, escaping, and clear errors."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.arm.errors import ArmError
from portal.arm.expressions import Scope, evaluate, resolve_parameters

SUB = "11111111-2222-3333-4444-555555555555"


def scope(**parameters) -> Scope:
    return Scope(
        subscription_id=SUB,
        resource_group="contoso-rg",
        location="eastus",
        parameters={"vnetName": "contoso-vnet", "count": 3, **parameters},
        variables={
            "prefix": "[concat(parameters('vnetName'), '-')]",
            "subnetName": "[concat(variables('prefix'), 'apps')]",
            "loop": "[variables('loop')]",
            "settings": {"space": ["10.0.0.0/16"], "name": "[parameters('vnetName')]"},
        },
    )


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("[parameters('vnetName')]", "contoso-vnet"),
        ("[PARAMETERS('VNETNAME')]", "contoso-vnet"),
        ("[variables('subnetName')]", "contoso-vnet-apps"),
        ("[variables('settings').space[0]]", "10.0.0.0/16"),
        ("[variables('settings').name]", "contoso-vnet"),
        (
            "[resourceId('Microsoft.Network/virtualNetworks', parameters('vnetName'))]",
            f"/subscriptions/{SUB}/resourceGroups/contoso-rg/providers/Microsoft.Network/virtualNetworks/contoso-vnet",
        ),
        (
            "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'sub')]",
            f"/subscriptions/{SUB}/resourceGroups/contoso-rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/sub",
        ),
        (
            "[resourceId('other-rg', 'Microsoft.Network/networkSecurityGroups', 'nsg')]",
            f"/subscriptions/{SUB}/resourceGroups/other-rg/providers/Microsoft.Network/networkSecurityGroups/nsg",
        ),
        (
            "[resourceId('sub2', 'rg2', 'Microsoft.Network/routeTables', 'rt')]",
            "/subscriptions/sub2/resourceGroups/rg2/providers/Microsoft.Network/routeTables/rt",
        ),
        ("[concat('a', 'b', parameters('count'))]", "ab3"),
        ("[concat(createArray(1), createArray(2, 3))]", [1, 2, 3]),
        ("[format('{0}-{1}', 'web', parameters('count'))]", "web-3"),
        ("[format('vm{0:D3}', parameters('count'))]", "vm003"),
        ("[format('{{literal}} {0}', 'x')]", "{literal} x"),
        ("['it''s']", "it's"),
        ("[[not an expression]", "[not an expression]"),
        ("plain text", "plain text"),
        ("[resourceGroup().location]", "eastus"),
        ("[subscription().subscriptionId]", SUB),
        ("[if(equals(parameters('count'), 3), 'three', 'other')]", "three"),
        ("[toLower('ABC')]", "abc"),
        ("[ concat( 'a' , 'b' ) ]", "ab"),
    ],
)
def test_it_evaluates_the_expressions_an_estate_needs(expression, value):
    assert evaluate(expression, scope()) == value


def test_it_evaluates_inside_objects_and_arrays():
    document = {"name": "[parameters('vnetName')]", "properties": {"list": ["[parameters('count')]", 1]}}
    assert evaluate(document, scope()) == {"name": "contoso-vnet", "properties": {"list": [3, 1]}}


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("[listKeys('x')]", "The template function 'listKeys' is not known here."),
        ("[concat('a']", "expected ')', found the end"),
        ("[concat('a',)]", "not valid"),
        ("[]", "empty"),
        ("[parameters('missing')]", "The template parameter 'missing' is not found."),
        ("[variables('missing')]", "The template variable 'missing' is not found."),
        ("[variables('loop')]", "refers to itself"),
        ("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet')]", "needs 2 name(s)"),
        ("[format('{1}', 'a')]", "refers to argument 1"),
        ("[variables('settings').nope]", "has no property 'nope'"),
        ("[parameters('vnetName').nope]", "Can't take 'nope' of a value of type string"),
        ("[createArray(1)[5]]", "out of range"),
        ("[if('yes', 1, 2)]", "must be a bool"),
        ("[toLower()]", "takes 1 argument(s), not 0"),
        ("[concat('a') extra]", "unexpected"),
        ("[concat('a' # )]", "unexpected"),
    ],
)
def test_it_names_what_is_wrong_and_where(expression, message):
    with pytest.raises(ArmError) as error:
        evaluate({"properties": {"x": expression}}, scope())
    assert message in error.value.message
    assert error.value.path.startswith("properties.x")


def test_parameters_take_their_defaults_types_and_allowed_values():
    declared = {
        "name": {"type": "string", "defaultValue": "contoso"},
        "size": {"type": "int", "defaultValue": 2, "allowedValues": [1, 2, 3]},
        "network": {"type": "bool", "defaultValue": True},
        "spaces": {"type": "array", "defaultValue": ["10.0.0.0/16"]},
        "tags": {"type": "object", "defaultValue": {}},
        "full": {"type": "string", "defaultValue": "[concat(parameters('name'), '-vnet')]"},
    }
    values = resolve_parameters(declared, {"size": {"value": 3}, "network": False})
    assert values == {
        "name": "contoso",
        "size": 3,
        "network": False,
        "spaces": ["10.0.0.0/16"],
        "tags": {},
        "full": "contoso-vnet",
    }


@pytest.mark.parametrize(
    ("declared", "given", "message", "path"),
    [
        ({"n": {"type": "int"}}, {"n": "3"}, "must be of type int, not string", "parameters.n"),
        ({"n": {"type": "int"}}, {"n": True}, "must be of type int, not bool", "parameters.n"),
        ({"n": {"type": "string"}}, {}, "has no value and no default value", "parameters.n"),
        ({"n": {"type": "string", "allowedValues": ["a"]}}, {"n": "b"}, "the allowed values are 'a'", "parameters.n"),
        ({"n": {"type": "float"}}, {}, "use one of string, int, bool, array, object", "parameters.n.type"),
        ({"n": {"type": "string", "defaultValue": "x"}}, {"other": 1}, "has no parameter 'other'", "parameters.other"),
    ],
)
def test_it_refuses_parameters_of_the_wrong_shape(declared, given, message, path):
    with pytest.raises(ArmError) as error:
        resolve_parameters(declared, given)
    assert message in error.value.message and error.value.path == path


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
def test_any_string_literal_survives_quoting(text):
    quoted = "'" + text.replace("'", "''") + "'"
    assert evaluate(f"[concat({quoted})]", scope()) == text


@given(st.lists(st.integers(min_value=0, max_value=99), min_size=1, max_size=5))
def test_format_places_each_argument(values):
    pattern = "-".join(f"{{{i}}}" for i in range(len(values)))
    arguments = ", ".join(str(v) for v in values)
    assert evaluate(f"[format('{pattern}', {arguments})]", scope()) == "-".join(str(v) for v in values)


@given(st.text(max_size=40))
def test_evaluating_any_text_is_a_value_or_an_arm_error(text):
    # Never another exception (an IndexError, a RecursionError): a 500.
    with contextlib.suppress(ArmError):
        evaluate(f"[{text}]", scope())
