"""A rebuilt snapshot takes what the sandbox's last build made of rows that
have not changed (issue #12, networking/snapshot.py ``_Parts``): the build at
100 times the seed's size was mostly turning unchanged rows into the same
values again. What the engine gets must be what a build from nothing gives,
after any change, in any sandbox."""

import pytest

from networking import models as m
from networking import snapshot
from networking.services import vnets as vnet_services
from portal import changes
from tests.helpers import vnet_of
from tests.helpers.snapshot_reference import reference_build

pytestmark = pytest.mark.django_db


def same_as_reference(topo, sandbox) -> None:
    reference = reference_build(sandbox)
    assert topo == reference
    for name in ("vnets", "subnets", "gateways", "route_tables", "nsgs"):
        assert list(getattr(topo, name).items()) == list(getattr(reference, name).items()), name


def test_a_build_after_a_change_that_touched_no_network_row_shares_the_last_builds_values(carol):
    first = snapshot.build(carol.sandbox)
    changes.bump(carol.sandbox)
    second = snapshot.build(carol.sandbox)
    assert second is not first
    assert second.vnets is first.vnets and second.nsgs is first.nsgs and second.subnets is first.subnets
    same_as_reference(second, carol.sandbox)


def test_a_subnet_added_is_in_the_next_build_and_the_unchanged_vnets_are_kept(carol):
    first = snapshot.build(carol.sandbox)
    vnet_services.create_subnet(vnet_of(carol, "contoso-vnet"), name="parts-subnet", prefix="10.0.99.0/24")
    second = snapshot.build(carol.sandbox)
    assert "parts-subnet" in {s.name for s in second.subnets.values()}
    assert "parts-subnet" not in {s.name for s in first.subnets.values()}
    assert second.vnets is first.vnets
    same_as_reference(second, carol.sandbox)


def test_a_changed_nic_address_and_rule_are_seen_though_the_row_count_is_the_same(carol):
    snapshot.build(carol.sandbox)
    nic = m.NetworkInterface.objects.filter(sandbox=carol.sandbox).order_by("pk").first()
    m.NetworkInterface.objects.filter(pk=nic.pk).update(private_ip="10.0.1.200")
    rule = m.SecurityRule.objects.filter(nsg__sandbox=carol.sandbox).order_by("pk").first()
    m.SecurityRule.objects.filter(pk=rule.pk).update(access="Deny" if rule.access == "Allow" else "Allow")
    after = snapshot.build(carol.sandbox)
    assert any(str(n.ip) == "10.0.1.200" for n in after.nics)
    same_as_reference(after, carol.sandbox)


def test_one_sandboxs_kept_values_never_reach_another(alice, carol):
    """Alice's and Carol's estates differ; building one between the other's
    builds gives each exactly its own network."""
    for _ in range(2):
        a, c = snapshot.build(alice.sandbox), snapshot.build(carol.sandbox)
        same_as_reference(a, alice.sandbox)
        same_as_reference(c, carol.sandbox)
        assert a.vnets is not c.vnets


def test_a_rebuilt_snapshot_sharing_the_subnets_finds_addresses_as_a_fresh_one_does(carol):
    """The address tables of shared dicts are shared too (engine/index.py),
    and a snapshot with other subnets never answers from the last one's."""
    from dataclasses import replace
    from ipaddress import IPv4Address

    first = snapshot.build(carol.sandbox)
    changes.bump(carol.sandbox)
    second = snapshot.build(carol.sandbox)
    assert second.index.subnet_by_address is first.index.subnet_by_address
    for subnet in second.subnets.values():
        address = subnet.prefix.network_address + 4
        assert second.subnet_of_address(address) == reference_build(carol.sandbox).subnet_of_address(address)
    some = next(iter(second.subnets.values()))
    fewer = replace(second, subnets={pk: s for pk, s in second.subnets.items() if pk != some.id})
    assert fewer.subnet_of_address(some.prefix.network_address + 4) != some
    assert second.subnet_of_address(IPv4Address(int(some.prefix.network_address) + 4)) == some
