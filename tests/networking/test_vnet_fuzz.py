"""Whatever a browser posts to the VNet forms (Add subnet, a subnet's pane,
Address space, DNS servers), the answer is the form with a message or a
saved change: never a 500, and a refusal changes nothing."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import HX
from tests.helpers.vnets import snapshot, subnet_url, vnet_url

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

octet = st.integers(-5, 300)
cidr_like = st.one_of(
    st.text(max_size=60),
    st.builds(lambda a, b, c, d, n: f"{a}.{b}.{c}.{d}/{n}", octet, octet, octet, octet, st.integers(-3, 140)),
    st.sampled_from(
        [
            "10.0.4.0/24",
            "10.5.0.0/16",
            "10.0.1.0/25",
            "224.0.0.0/4",
            "fd00::/64",
            "::/0",
            "0.0.0.0/0",
            "10.0.4.0/ 24",
            "１０.0.0.0/16",
            "10.0.0.0/16\x00",
            "a" * 500,
        ]
    ),
)
ip_like = st.one_of(
    st.text(max_size=40),
    st.builds(lambda a, b, c, d: f"{a}.{b}.{c}.{d}", octet, octet, octet, octet),
    st.sampled_from(["10.0.1.4", "168.63.129.16", "::1", "10.0.1.4 ", "٣.٣.٣.٣"]),
)
name_like = st.one_of(st.text(max_size=100), st.sampled_from(["app", "GatewaySubnet", "vm-subnet", "a" * 81, "ok.", "ünï"]))
choice_like = st.one_of(st.text(max_size=30), st.integers(-10, 10**20).map(str), st.sampled_from(["", "Microsoft.Sql"]))
policy_like = st.one_of(st.text(max_size=30), st.sampled_from(["Disabled", "Enabled", "RouteTableEnabled", ""]))


def _check(client, before, response):
    assert response.status_code in (200, 422), response.status_code
    if response.status_code == 422:
        assert snapshot(client.sandbox) == before


@FUZZ
@given(
    name=name_like,
    prefix=cidr_like,
    endpoints=st.lists(choice_like, max_size=4),
    delegation=choice_like,
    nsg=choice_like,
    policy=policy_like,
    gateway=st.sampled_from(["", "1", "x"]),
)
def test_add_subnet_never_errors_and_never_half_writes(alice, name, prefix, endpoints, delegation, nsg, policy, gateway):
    before = snapshot(alice.sandbox)
    data = {
        "subnet_name": name,
        "subnet_prefix": prefix,
        "service_endpoints": endpoints,
        "delegation": delegation,
        "nsg": nsg,
        "route_table": nsg,
        "private_endpoint_network_policies": policy,
        "gateway": gateway,
    }
    _check(alice, before, alice.post(vnet_url(alice, "vnet_add_subnet"), data, **HX))


@FUZZ
@given(
    subnet=st.sampled_from(["vm-subnet", "tiny-subnet", "sqlmi-subnet"]),
    prefix=cidr_like,
    endpoints=st.lists(choice_like, max_size=3),
    delegation=choice_like,
    policy=policy_like,
)
def test_editing_a_subnet_never_errors_and_never_half_writes(alice, subnet, prefix, endpoints, delegation, policy):
    before = snapshot(alice.sandbox)
    data = {
        "subnet_prefix": prefix,
        "service_endpoints": endpoints,
        "delegation": delegation,
        "private_endpoint_network_policies": policy,
    }
    _check(alice, before, alice.post(subnet_url(alice, subnet), data, **HX))


@FUZZ
@given(ranges=st.lists(cidr_like, max_size=6), action=st.sampled_from(["save", "edit", "", "junk"]), remove=choice_like)
def test_address_space_never_errors_and_never_half_writes(alice, ranges, action, remove):
    before = snapshot(alice.sandbox)
    data = {"address_space": ranges, "action": action, "remove": remove}
    _check(alice, before, alice.post(vnet_url(alice, "vnet_address_space"), data, **HX))


@FUZZ
@given(servers=st.lists(ip_like, max_size=25), mode=st.sampled_from(["custom", "default", "", "junk"]))
def test_dns_servers_never_error_and_never_half_write(alice, servers, mode):
    before = snapshot(alice.sandbox)
    data = {"dns_server": servers, "dns_mode": mode, "action": "save"}
    _check(alice, before, alice.post(vnet_url(alice, "vnet_dns"), data, **HX))
