"""Whatever a browser sends to the security rule pane, the route pane or the
two create wizards, the answer is the pane with a message or the saved
change: never a 500, and after a refusal the database is as it was."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from networking.models import NetworkSecurityGroup, Route, RouteTable, SecurityRule
from tests.helpers import HX
from tests.helpers.nsgs import blade_url, create_url, make_nsg, make_table, rg_of

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

cidr_like = st.one_of(
    st.text(max_size=40),
    st.builds(lambda a, b, n: f"10.{a}.{b}.0/{n}", st.integers(-5, 300), st.integers(-5, 300), st.integers(-3, 140)),
    st.sampled_from(["0.0.0.0/0", "10.0.1.5/24", "Sql", "Internet, 10.0.0.0/8", "::/0", "fd00::/64", "10.0.0.0/8,,", "*"]),
)
port_like = st.one_of(
    st.text(max_size=20),
    st.builds(lambda a, b: f"{a}-{b}", st.integers(-10, 70000), st.integers(-10, 70000)),
    st.sampled_from(["*", "80,443", "0-65535", "65536", "443-80", "٨٠", "80, *"]),
)
priority_like = st.one_of(st.text(max_size=8), st.integers(-100, 70000).map(str), st.sampled_from(["100", "4096", "5000", "１００"]))
name_like = st.one_of(st.text(max_size=90), st.sampled_from(["DenySql", "a" * 81, "-x", "x.", "ok_", "DenyAllInBound", "ünï"]))
tag_like = st.one_of(st.text(max_size=30), st.sampled_from(["Sql", "Storage.EastUS", "Sql,Storage", "INTERNET", "Bogus"]))


def _rules(nsg):
    return sorted(SecurityRule.objects.filter(nsg=nsg).values_list("name", "direction", "priority", "source_address_prefixes", "destination_port_ranges"))


@FUZZ
@given(
    name=name_like, priority=priority_like, source=st.sampled_from(["Any", "IPAddresses", "ServiceTag", "ASG", ""]),
    source_ips=cidr_like, source_tag=tag_like, source_ports=port_like,
    destination=st.sampled_from(["Any", "IPAddresses", "ServiceTag", "x"]), destination_ips=cidr_like,
    destination_ports=port_like, service=st.sampled_from(["Custom", "SSH", "MS SQL", "FTP", ""]),
    protocol=st.sampled_from(["*", "Tcp", "Udp", "Icmp", "Esp", "Ah", "Gre", ""]),
    access=st.sampled_from(["Allow", "Deny", "Maybe"]), description=st.text(max_size=160),
    direction=st.sampled_from(["inbound", "outbound"]),
)
def test_the_rule_pane_never_errors_and_never_half_writes(alice, direction, **fields):
    nsg = NetworkSecurityGroup.objects.filter(sandbox=alice.sandbox, name="fuzz-nsg").first() or make_nsg(alice, "fuzz-nsg")
    before = _rules(nsg)
    response = alice.post(blade_url(nsg, "nsg_rule_add", direction=direction), fields, **HX)
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert _rules(nsg) == before
    else:
        assert len(_rules(nsg)) == len(before) + 1
        SecurityRule.objects.filter(nsg=nsg).delete()


@FUZZ
@given(priority=priority_like, ports=port_like, ips=cidr_like, name=name_like)
def test_editing_a_rule_never_errors_and_leaves_it_untouched_on_refusal(alice, priority, ports, ips, name):
    nsg = NetworkSecurityGroup.objects.filter(sandbox=alice.sandbox, name="fuzz-nsg").first() or make_nsg(alice, "fuzz-nsg")
    rule = SecurityRule.objects.filter(nsg=nsg).first() or SecurityRule.objects.create(
        nsg=nsg, name="keep", priority=150, direction="Inbound", source_address_prefixes=["*"], source_port_ranges=["*"],
        destination_address_prefixes=["*"], destination_port_ranges=["22"],
    )
    before = _rules(nsg)
    data = {"name": name, "priority": priority, "source": "IPAddresses", "source_ips": ips, "source_ports": "*", "destination": "Any",
            "service": "Custom", "destination_ports": ports, "protocol": "Tcp", "access": "Allow"}
    response = alice.post(blade_url(nsg, "nsg_rule_edit", rule=rule.name), data, **HX)
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert _rules(nsg) == before
    else:
        SecurityRule.objects.filter(nsg=nsg).delete()


def _routes(table):
    return sorted(Route.objects.filter(route_table=table).values_list("name", "address_prefix", "next_hop_type", "next_hop_ip"))


@FUZZ
@given(
    name=name_like, prefix=cidr_like,
    hop=st.one_of(st.text(max_size=20), st.sampled_from(["VirtualNetworkGateway", "VnetLocal", "Internet", "VirtualAppliance", "None", "VNetPeering"])),
    hop_ip=st.one_of(st.text(max_size=20), st.sampled_from(["10.0.1.4", "", "10.0.1.256", "fd00::1", " 10.0.1.4 "])),
)
def test_the_route_pane_never_errors_and_never_half_writes(alice, name, prefix, hop, hop_ip):
    table = RouteTable.objects.filter(sandbox=alice.sandbox, name="fuzz-rt").first() or make_table(alice, "fuzz-rt")
    before = _routes(table)
    data = {"name": name, "address_prefix": prefix, "next_hop_type": hop, "next_hop_ip": hop_ip}
    response = alice.post(blade_url(table, "route_add"), data, **HX)
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert _routes(table) == before
    else:
        Route.objects.filter(route_table=table).delete()


@FUZZ
@given(name=name_like, region=st.one_of(st.text(max_size=12), st.sampled_from(["eastus", "westus"])),
       group=st.sampled_from(["contoso-rg", "nope", ""]), propagate=st.sampled_from(["Yes", "No", "", "maybe"]),
       kind=st.sampled_from(["nsg_create", "route_table_create"]), action=st.sampled_from(["review", "create", "next", ""]))
def test_the_create_wizards_never_error_and_create_only_when_valid(alice, name, region, group, propagate, kind, action):
    before = (NetworkSecurityGroup.objects.count(), RouteTable.objects.count())
    data = {"subscription": str(rg_of(alice).subscription.subscription_id), "resource_group": group, "name": name, "region": region,
            "propagate": propagate, "action": action}
    response = alice.post(create_url(alice, kind), data, **HX)
    assert response.status_code in (200, 422)
    after = (NetworkSecurityGroup.objects.count(), RouteTable.objects.count())
    if response.status_code == 422 or "HX-Location" not in response:
        assert after == before
    else:
        NetworkSecurityGroup.objects.all().delete()
        RouteTable.objects.all().delete()
