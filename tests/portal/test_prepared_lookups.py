"""A blade's lookup (portal/access.py get_in_group) is compiled once per
process and returns the same instance, with the same related objects, as
the ORM's queryset (portal/prepared.py PreparedInstances)."""

from types import SimpleNamespace
from unittest import mock

import pytest
from django.db.models.sql.compiler import SQLCompiler
from django.http import Http404

from appservice import services
from appservice.models import WebApp
from appservice.views import get_app, get_plan
from networking.models import VirtualNetwork
from networking.views.vnets import get_vnet
from portal import access
from portal.access import get_in_group, get_listed_resource, get_resource_group
from tests.helpers import app_of, subnet_of, vnet_of

pytestmark = pytest.mark.django_db

APP_RELATED = (
    "plan__resource_group",
    "integration__vnet__gateway",
    "integration__subnet",
    "integration__vnet__resource_group__subscription",
)


def _request(client):
    return SimpleNamespace(sandbox=client.sandbox)


def _ids(resource):
    rg = resource.resource_group
    return rg.subscription.subscription_id, rg.name, resource.name


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _orm_app(client, subscription_id, rg, name):
    """What the lookup returned before it was prepared: the ORM's queryset."""
    return get_in_group(_request(client), WebApp.objects.select_related(*APP_RELATED), subscription_id, rg, name)


def _integrate(client, app="contoso-web"):
    sub = subnet_of(client, "contoso-vnet", "integration-subnet")
    services.add_regional_integration(app_of(client, app), sub.vnet, subnet=sub)


def test_the_prepared_app_is_the_orms_with_its_relations_loaded_in_one_query(alice, django_assert_num_queries):
    _integrate(alice)
    ids = _ids(app_of(alice, "contoso-web"))
    expected = _orm_app(alice, *ids)
    get_app(_request(alice), *ids)  # compiled once, outside the count
    with django_assert_num_queries(1):
        app = get_app(_request(alice), *ids)
        assert app.pk == expected.pk and _fields(app) == _fields(expected)
        assert _fields(app.plan) == _fields(expected.plan)
        assert _fields(app.plan.resource_group) == _fields(expected.plan.resource_group)
        assert _fields(app.integration) == _fields(expected.integration)
        assert _fields(app.integration.subnet) == _fields(expected.integration.subnet)
        assert app.integration.vnet.name == "contoso-vnet"
        assert app.integration.vnet.resource_group.subscription.subscription_id == ids[0]
        assert app.resource_group.subscription.subscription_id == ids[0]
        assert app.sandbox.pk == alice.sandbox.pk
        assert app.integration.app is app  # the reverse side is set, as the ORM does
        with pytest.raises(VirtualNetwork.gateway.RelatedObjectDoesNotExist):
            assert app.integration.vnet.gateway  # no gateway: known absent, not fetched


def test_an_app_without_integration_has_none_like_the_orms(alice, django_assert_num_queries):
    ids = _ids(app_of(alice, "contoso-web"))
    expected = _orm_app(alice, *ids)
    get_app(_request(alice), *ids)
    with django_assert_num_queries(1):
        app = get_app(_request(alice), *ids)
        assert getattr(app, "integration", None) is None
        with pytest.raises(WebApp.integration.RelatedObjectDoesNotExist):
            assert app.integration
    assert getattr(expected, "integration", None) is None


def test_names_match_whatever_their_case(alice):
    subscription_id, rg, name = _ids(app_of(alice, "contoso-web"))
    app = get_app(_request(alice), subscription_id, rg.upper(), "CONTOSO-WEB")
    assert app.name == "contoso-web"
    assert get_app(_request(alice), str(subscription_id), rg.lower(), "Contoso-Web").pk == app.pk


def test_another_sandboxs_resource_is_a_404(alice, bob):
    ids = _ids(app_of(alice, "contoso-web"))
    get_app(_request(alice), *ids)
    with pytest.raises(Http404):
        get_app(_request(bob), *ids)
    bobs_ids = _ids(app_of(bob, "contoso-web"))
    assert get_app(_request(bob), *bobs_ids).sandbox_id == bob.sandbox.pk
    with pytest.raises(Http404):  # Bob's own subscription id in Alice's sandbox
        get_app(_request(alice), *bobs_ids)


def test_percent_and_underscore_in_a_name_are_not_wildcards(alice):
    vnet = vnet_of(alice, "contoso-vnet")
    vnet.name = "hub_net%1"
    vnet.save(update_fields=["name"])
    subscription_id, rg, _ = _ids(vnet)
    request = _request(alice)
    assert get_vnet(request, "Microsoft.Network", subscription_id, rg, "HUB_NET%1").pk == vnet.pk
    for pattern in ("hubxnet%1", "hub_net%", "hub%", "%", "_ub_net%1", "hub_netx1"):
        with pytest.raises(Http404):
            get_vnet(request, "Microsoft.Network", subscription_id, rg, pattern)
    for rg_pattern in ("%", rg[:-1] + "_"):
        with pytest.raises(Http404):
            get_vnet(request, "Microsoft.Network", subscription_id, rg_pattern, "hub_net%1")


def test_a_types_row_filter_still_applies(alice):
    vnet = vnet_of(alice, "contoso-vnet")
    ids = _ids(vnet)
    resource, _ = get_listed_resource(_request(alice), ids[0], ids[1], "Microsoft.Network", "virtualNetworks", ids[2])
    assert resource.pk == vnet.pk
    with pytest.raises(Http404):  # an ARM network isn't a classic one
        get_vnet(_request(alice), "Microsoft.ClassicNetwork", *ids)


def test_the_lookup_is_compiled_once_for_many_reads(alice, bob, monkeypatch):
    monkeypatch.setattr(access, "_LOOKUPS", {})
    compiled = []
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self)
        return as_sql(self, *args, **kwargs)

    plans = [(_request(c), _ids(app_of(c, "contoso-web").plan)) for c in (alice, bob, alice)]
    with mock.patch.object(SQLCompiler, "as_sql", counting):
        for request, ids in plans:
            assert get_plan(request, *ids).sandbox_id == request.sandbox.pk
        assert len(compiled) == 1
        compiled.clear()
        for request, ids in plans:  # the ORM's queryset compiles on every read
            get_in_group(request, type(get_plan(request, *ids)).objects.all(), *ids)
        assert len(compiled) == 3


# --- PreparedInstances.all: every row, as the ORM's ----------------------------------


def test_the_locks_above_a_resource_are_the_orms_in_its_order(alice):
    from django.db.models.functions import Lower

    from portal import locks
    from portal.models import LockLevel, ResourceLock

    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    app = app_of(alice, "contoso-web")
    vnet = subnet.vnet
    locks.add_lock(alice.sandbox, vnet, name="b-vnet", level=LockLevel.READ_ONLY, notes="")
    locks.add_lock(alice.sandbox, vnet.resource_group, name="a-group", level=LockLevel.CAN_NOT_DELETE, notes="")
    locks.add_lock(alice.sandbox, app, name="c-app", level=LockLevel.READ_ONLY, notes="")
    for arm_id in (subnet.arm_id, vnet.arm_id.upper(), app.arm_id):
        orm = list(
            ResourceLock.objects.annotate(scope=Lower("resource_id"))
            .filter(scope__in=locks.scopes(arm_id))
            .order_by("resource_id", "name")
        )
        prepared = locks.covering(arm_id)
        assert [_fields(lock) for lock in prepared] == [_fields(lock) for lock in orm]
    each = locks.covering_each([subnet.arm_id, app.arm_id])
    assert [[lock.name for lock in found] for found in each] == [
        [lock.name for lock in locks.covering(subnet.arm_id)],
        [lock.name for lock in locks.covering(app.arm_id)],
    ]
    assert [lock.name for lock in each[0]] == ["a-group", "b-vnet"] and "c-app" in [lock.name for lock in each[1]]


def test_a_resource_group_is_found_by_name_in_any_case_and_only_in_its_sandbox(alice, bob):
    group = app_of(alice, "contoso-web").resource_group
    sub = group.subscription.subscription_id
    found = get_resource_group(_request(alice), sub, "CONTOSO-RG")
    assert found.pk == group.pk and found.subscription.subscription_id == sub
    # Another sandbox's group, a LIKE pattern or an ID that is no UUID names nothing (404, as get_object_or_404 said).
    for request, subscription_id, name in (
        (_request(bob), sub, "contoso-rg"),
        (_request(alice), sub, "contoso%"),
        (_request(alice), sub, "contoso_rg"),
        (_request(alice), "not-a-uuid", "contoso-rg"),
    ):
        with pytest.raises(Http404, match="No ResourceGroup matches the given query."):
            get_resource_group(request, subscription_id, name)
