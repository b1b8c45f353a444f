"""Review + create validates without writing (issue #9 point 6): a review
reads the current state and finds every refusal the create would meet; only
Create writes."""

import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appservice.models import AppServicePlan
from networking.models import VirtualNetwork
from networking.services import vnets as vnet_services
from portal.create_views import wizards
from portal.models import ActivityLogEntry, Notification, ResourceGroup

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK)", re.IGNORECASE)


def _base(client, **fields) -> dict:
    return {
        "subscription": str(client.sandbox.subscriptions.get().subscription_id),
        "resource_group": "contoso-rg",
        "new_resource_group": "",
        "region": "eastus",
        "current_tab": "basics",
        **fields,
    }


def vnet(client, **overrides) -> dict:
    defaults = {
        "name": "lab-vnet",
        "address_space": ["10.50.0.0/16"],
        "subnet_name": ["default"],
        "subnet_prefix": ["10.50.0.0/24"],
    }
    return _base(client, **{**defaults, **overrides})


def plan(client, **overrides) -> dict:
    return _base(client, **{"name": "lab-plan", "os": "Linux", "sku": "P1V3", **overrides})


def webapp(client, **overrides) -> dict:
    chosen = AppServicePlan.objects.get(sandbox=client.sandbox, name="contoso-s1-plan")
    return _base(
        client,
        **{"name": "lab-app", "publish": "code", "runtime_stack": "aspnet|4.8", "plan": str(chosen.pk), **overrides},
    )


def resourcegroup(client, **overrides) -> dict:
    return _base(client, **{"name": "lab-rg", **overrides})


FORMS = {"virtualnetwork": vnet, "appserviceplan": plan, "webapp": webapp, "resourcegroup": resourcegroup}


def _query_dict(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def review(client, kind: str, data: dict):
    """Press Review + create; the wizard and the SQL it ran."""
    wizard = wizards()[kind](client.sandbox, _query_dict(data))
    with CaptureQueriesContext(connection) as queries:
        wizard.step("review")
    return wizard, [q["sql"] for q in queries.captured_queries]


def footprint(client) -> tuple:
    sandbox = client.sandbox
    return (
        ResourceGroup.objects.filter(subscription__sandbox=sandbox).count(),
        ActivityLogEntry.objects.filter(sandbox=sandbox).exclude(status="Failed").count(),
        Notification.objects.filter(sandbox=sandbox).count(),
    )


@pytest.mark.parametrize("kind", FORMS)
@pytest.mark.parametrize("new_group", [False, True], ids=["existing-group", "new-group"])
def test_a_review_that_passes_writes_nothing(alice, kind, new_group):
    data = FORMS[kind](alice)
    if new_group and kind != "resourcegroup":
        data.update(resource_group="lab-new-rg", new_resource_group="lab-new-rg")
    before = footprint(alice)
    wizard, sql = review(alice, kind, data)
    assert wizard.validation == "passed", wizard.problems
    assert [statement for statement in sql if WRITES.match(statement)] == []
    assert footprint(alice) == before


@pytest.mark.parametrize("kind", FORMS)
def test_a_review_that_fails_writes_nothing_either(alice, kind):
    wizard, sql = review(alice, kind, FORMS[kind](alice, name="-bad name-"))
    assert wizard.validation == "failed" and "name" in wizard.problems
    assert [statement for statement in sql if WRITES.match(statement)] == []


def test_only_create_writes(alice):
    data = vnet(alice)
    url = reverse("create_wizard", kwargs={"kind": "virtualnetwork"})
    assert alice.post(url, {**data, "action": "review"}).status_code == 200
    assert not ActivityLogEntry.objects.filter(sandbox=alice.sandbox).exists()
    assert alice.post(url, {**data, "action": "create"}).status_code == 302
    assert ActivityLogEntry.objects.filter(sandbox=alice.sandbox, resource_id__endswith="/lab-vnet").exists()


def test_review_finds_the_vnet_limit_of_a_region_without_creating_anything_LIMIT_01(alice, monkeypatch):
    in_east_us = VirtualNetwork.objects.filter(sandbox=alice.sandbox, location="eastus", is_classic=False).count()
    monkeypatch.setattr(vnet_services, "MAX_VNETS_PER_REGION", in_east_us)
    wizard, sql = review(alice, "virtualnetwork", vnet(alice))
    assert wizard.validation == "failed"
    assert "LIMIT-01" in wizard.problems["region"].learn_more
    assert [statement for statement in sql if WRITES.match(statement)] == []
    # Central US, where the sandbox has no VNet, still has room.
    wizard, _ = review(alice, "virtualnetwork", vnet(alice, region="centralus"))
    assert wizard.validation == "passed", wizard.problems
