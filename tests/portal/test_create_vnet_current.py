"""The "Create virtual network" wizard in the Current era (portal-ui §3.1
[newer], issue #10): the address space editor ("Starting address", "Address
space size", "Add an IP address space"), subnets under their space, the
subnet editor with "Subnet purpose", and Security's "Enable Azure ..." boxes.
The Classic grid: tests/portal/test_create_vnet.py."""

import re

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from networking.models import VirtualNetwork
from portal import services as portal_services
from tests.portal.test_create_fuzz import FUZZ, basics, cidrs, names, octet, post_and_check, texts
from tests.portal.test_create_vnet import form as classic_form
from tests.portal.test_create_vnet import state

URL = reverse("create_wizard", kwargs={"kind": "virtualnetwork"})


@pytest.fixture
def current(alice):
    portal_services.set_era(alice.sandbox, "current")
    return alice


def form(client, *, spaces=(("10.0.0.0", "16"),), subnets=(("default", "10.0.0.0/24"),), **overrides):
    """The Classic form's post, each space as its starting address and size."""
    data = classic_form(client, subnets=subnets, space=(), current_tab="ipaddresses")
    data.update(space_start=[start for start, _ in spaces], space_size=[size for _, size in spaces])
    data.update(overrides)
    return data


def post(client, data, status=200) -> str:
    response = client.post(URL, data)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def hidden_rows(html: str) -> list[tuple[str, str]]:
    """The subnets the page posts back, in order."""
    names = re.findall(r'<input type="hidden" name="subnet_name" value="([^"]*)">', html)
    prefixes = re.findall(r'<input type="hidden" name="subnet_prefix" value="([^"]*)">', html)
    return list(zip(names, prefixes, strict=True))


def test_ip_addresses_is_the_space_editor_with_sizes_and_add_a_subnet(current):
    html = current.get(URL).content.decode()
    for text in ("Add an IP address space", "Starting address", "Address space size", "Delete address space"):
        assert text in html
    assert 'name="space_start" id="space-start-0" value="10.0.0.0"' in html
    assert '<option value="16" selected>/16 (65,536 addresses)</option>' in html
    assert "Add a subnet" in html and 'value="add_subnet:0"' in html
    assert "10.0.0.0 - 10.0.0.255" in html and "/24 (256 addresses)" in html
    assert hidden_rows(html) == [("default", "10.0.0.0/24")]
    # The Classic grid's controls are gone.
    assert 'name="address_space"' not in html and 'id="subnet-grid"' not in html


def test_security_draws_bastion_firewall_and_ddos_disabled_with_their_balloon(current):
    html = current.get(URL).content.decode()
    for heading, box in (
        ("Azure Bastion", "enable-bastion"),
        ("Azure Firewall", "enable-firewall"),
        ("Azure DDoS Network Protection", "enable-ddos"),
    ):
        assert f'<h2 class="az-wizard-section">{heading}</h2>' in html
        assert f'id="{box}" value="on" disabled' in html
        assert f"VNet Lab doesn&#x27;t simulate {heading}." in html or f"VNet Lab doesn't simulate {heading}." in html
    assert "Enable Azure Bastion" in html and "BastionHost" not in html
    # A posted box changes nothing: the service isn't simulated.
    review = post(current, form(current, enable_bastion="on"))
    assert "Validation passed" in review and "Azure Bastion" in review


def test_add_an_ip_address_space_suggests_the_next_16_and_delete_drops_its_subnets(current):
    html = post(current, form(current, action="add_space"))
    assert 'id="space-start-1" value="10.1.0.0"' in html
    spaces = (("10.0.0.0", "16"), ("10.1.0.0", "16"))
    subnets = (("default", "10.0.0.0/24"), ("other", "10.1.0.0/24"))
    html = post(current, form(current, spaces=spaces, subnets=subnets, action="remove_space:0"))
    assert 'id="space-start-0" value="10.1.0.0"' in html and 'id="space-start-1"' not in html
    assert hidden_rows(html) == [("other", "10.1.0.0/24")]


def test_current_creates_two_spaces_and_a_gateway_subnet_by_purpose(current):
    """The editor's "Subnet purpose" Virtual Network Gateway names the subnet
    GatewaySubnet; the wizard posts to the one create path (create_vnet)."""
    spaces = (("10.0.0.0", "16"), ("10.1.0.0", "16"))
    base = form(current, spaces=spaces)
    opened = post(current, {**base, "action": "add_subnet:1"})
    assert 'id="subnet-editor"' in opened and "Add a subnet" in opened
    assert 'id="subnet-start" value="10.1.0.0"' in opened
    for label in ("Subnet purpose", "Name", "Starting address", "Subnet size"):
        assert label in opened
    assert '<option value="1">Virtual Network Gateway</option>' in opened

    editor = {"subnet_editor": "new", "editor_name": "ignored", "editor_start": "10.1.255.0", "editor_size": "27"}
    purpose = post(current, {**base, **editor, "editor_purpose": "1", "action": "stay"})
    assert "A virtual network gateway needs a subnet named GatewaySubnet." in purpose
    saved = post(current, {**base, **editor, "editor_purpose": "1", "action": "save_subnet"})
    assert 'id="subnet-editor"' not in saved
    rows = hidden_rows(saved)
    assert rows == [("default", "10.0.0.0/24"), ("GatewaySubnet", "10.1.255.0/27")]
    assert 'id="space-1-subnets"' in saved and "10.1.255.0 - 10.1.255.31" in saved

    data = form(current, spaces=spaces, subnets=rows)
    assert "Validation passed" in post(current, data)
    response = current.post(URL, {**data, "action": "create"})
    assert response.status_code == 302
    vnet = VirtualNetwork.objects.get(sandbox=current.sandbox, name="lab-vnet")
    assert vnet.address_space == ["10.0.0.0/16", "10.1.0.0/16"]
    assert sorted(vnet.subnets.values_list("name", "address_prefix")) == [
        ("GatewaySubnet", "10.1.255.0/27"),
        ("default", "10.0.0.0/24"),
    ]


def test_editing_a_subnet_saves_it_in_place(current):
    html = post(current, form(current, action="edit_subnet:0"))
    assert "Edit subnet" in html and 'id="subnet-name" value="default"' in html
    editor = {"subnet_editor": "0", "editor_name": "web", "editor_start": "10.0.4.0", "editor_size": "26"}
    assert hidden_rows(post(current, {**form(current), **editor, "action": "save_subnet"})) == [("web", "10.0.4.0/26")]


@pytest.mark.parametrize(
    ("start", "size", "rule", "text"),
    [
        ("10.0.1.0", "25", "SUBNET-05", "overlaps &#x27;apps (10.0.1.0/24)&#x27;"),
        ("10.9.0.0", "24", "SUBNET-05", "lies outside the address space"),
        ("10.0.0.300", "24", "SUBNET-05", "is not a valid CIDR block"),
        ("10.0.1.0", "30", "", "Select a subnet size."),
    ],
)
def test_the_subnet_editor_refuses_on_its_field_SUBNET_05(current, start, size, rule, text):
    data = form(current, subnets=(("default", "10.0.0.0/24"), ("apps", "10.0.1.0/24")))
    editor = {"subnet_editor": "new", "editor_name": "more", "editor_start": start, "editor_size": size}
    before = state(current)
    html = post(current, {**data, **editor, "action": "save_subnet"})
    assert 'id="subnet-editor"' in html and text in html
    if rule:
        assert rule in html
    assert hidden_rows(html) == [("default", "10.0.0.0/24"), ("apps", "10.0.1.0/24")]
    assert 'data-tab="ipaddresses" data-error="true"' in html
    assert state(current) == before


def test_the_subnet_editor_refuses_a_name_listed_twice_NAMING_03(current):
    editor = {"subnet_editor": "new", "editor_name": "DEFAULT", "editor_start": "10.0.1.0", "editor_size": "24"}
    html = post(current, {**form(current), **editor, "action": "save_subnet"})
    assert "A subnet named &#x27;DEFAULT&#x27; already exists" in html and "NAMING-03" in html
    assert hidden_rows(html) == [("default", "10.0.0.0/24")]


@pytest.mark.parametrize(
    ("start", "size", "rule", "text"),
    [
        ("10.0.0.300", "16", "SUBNET-05", "is not a valid CIDR block"),
        ("10.0.5.0", "16", "SUBNET-05", "Did you mean &#x27;10.0.0.0/16&#x27;?"),
        ("127.0.0.0", "16", "VNET-02", "loopback"),
    ],
)
def test_a_bad_starting_address_is_refused_on_its_space_and_nothing_is_created(current, start, size, rule, text):
    before = state(current)
    data = form(current, spaces=((start, size),), subnets=())
    for action, status in (("review", 422), ("create", 422)):
        html = post(current, {**data, "action": action}, status)
        assert "Validation failed" in html and rule in html and text in html
        assert 'id="space-start-0"' in html
        assert html.index(text) > html.index('id="space-start-0"')
    assert state(current) == before


def test_an_overlapping_subnet_is_refused_on_its_row_and_nothing_is_created_SUBNET_05_ERR_21(current):
    before = state(current)
    data = form(current, subnets=(("default", "10.0.0.0/24"), ("apps", "10.0.0.128/25")), action="create")
    html = post(current, data, 422)
    assert "overlaps &#x27;default (10.0.0.0/24)&#x27;" in html and "SUBNET-05" in html and "ERR-21" in html
    assert 'data-tab="ipaddresses" data-error="true"' in html
    assert state(current) == before


def test_overlapping_spaces_are_refused_VNET_03(current):
    data = form(current, spaces=(("10.0.0.0", "16"), ("10.0.128.0", "17")), action="create")
    html = post(current, data, 422)
    assert "overlaps address space" in html and "VNET-03" in html


def test_classic_keeps_its_grid_and_bastionhost(alice):
    html = alice.get(URL).content.decode()
    assert 'id="address-space-grid"' in html and 'id="subnet-grid"' in html and "BastionHost" in html
    assert "Add an IP address space" not in html and "Subnet purpose" not in html


starts = st.one_of(texts, st.builds(lambda a, b, c, d: f"{a}.{b}.{c}.{d}", octet, octet, octet, octet))
sizes = st.one_of(texts, st.integers(-3, 40).map(str))
editor_actions = st.sampled_from(
    [
        "review",
        "create",
        "stay",
        "add_space",
        "remove_space:0",
        "remove_space:9",
        "add_subnet:0",
        "add_subnet:x",
        "edit_subnet:0",
        "edit_subnet:9",
        "save_subnet",
        "cancel_subnet",
        "remove_subnet:0",
    ]
)


@FUZZ
@given(
    spaces=st.lists(st.tuples(starts, sizes), max_size=3),
    subnets=st.lists(st.tuples(names, cidrs), max_size=3),
    editor=st.tuples(st.one_of(st.sampled_from(["", "new", "0", "9", "-1"]), texts), st.sampled_from(["", "1", "2"])),
    editor_fields=st.tuples(names, starts, sizes),
    action=editor_actions,
)
@pytest.mark.django_db
def test_fuzzed_space_and_subnet_editors_never_fail_or_half_write(
    alice, spaces, subnets, editor, editor_fields, action
):
    """Current's editors: any start, size, editor state or row index gives a
    page (a field error at worst), and only a valid create writes."""
    portal_services.set_era(alice.sandbox, "current")
    data = basics(
        alice,
        resource_group="contoso-rg",
        name="fuzz-vnet",
        region="eastus",
        action=action,
        current_tab="ipaddresses",
        space_start=[start for start, _ in spaces],
        space_size=[size for _, size in spaces],
        subnet_name=[n for n, _ in subnets],
        subnet_prefix=[p for _, p in subnets],
        subnet_editor=editor[0],
        editor_purpose=editor[1],
        editor_name=editor_fields[0],
        editor_start=editor_fields[1],
        editor_size=editor_fields[2],
    )
    post_and_check(alice, "virtualnetwork", data)
