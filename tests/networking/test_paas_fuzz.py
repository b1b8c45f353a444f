"""Fuzz the PaaS target forms: create names, IP rules, VNet rules, access and
connection actions: never a 500, nothing written on a refusal."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from networking.models import KeyVault, SqlServer, StorageAccount
from networking.services import paas as paas_services
from portal.models import ResourceGroup

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ip_like = st.one_of(
    st.text(max_size=40),
    st.builds(lambda a, b, c, d, n: f"{a}.{b}.{c}.{d}/{n}", *[st.integers(-5, 300)] * 4, st.integers(-3, 40)),
    st.sampled_from(["10.0.0.0/8", "8.8.8.8", "203.0.113.0/24", "::1", "1.2.3.4/33", "ünï"]),
)
ids = st.one_of(st.text(max_size=10), st.integers(-5, 10**9).map(str))


def _rg(client):
    return ResourceGroup.objects.select_related("subscription__sandbox").get(subscription__sandbox=client.sandbox)


def _sql(client):
    target = SqlServer.objects.filter(sandbox=client.sandbox).first() or paas_services.create_target(
        SqlServer, _rg(client), name="contoso-sql", location="eastus"
    )
    return target


def _url(target, page):
    rg = target.resource_group
    return reverse(
        f"networking:sql_{page}",
        kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": target.name},
    )


def _state(target):
    target.refresh_from_db()
    return (
        target.ip_rules,
        target.public_network_access,
        target.default_action,
        list(target.vnet_rules.values_list("pk", flat=True)),
    )


@FUZZ
@given(rule=ip_like, remove=st.booleans())
def test_ip_rule_forms_never_error(alice, rule, remove):
    target = _sql(alice)
    before = _state(target)
    response = alice.post(
        _url(target, "ip_rule_remove" if remove else "ip_rule"), {"ip_rule": rule}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert _state(target) == before


@FUZZ
@given(
    vnet=ids,
    subnet=ids,
    enable=st.sampled_from(["on", ""]),
    access=st.text(max_size=10),
    endpoint=ids,
    action=st.text(max_size=10),
)
def test_rule_access_and_connection_forms_never_error(alice, vnet, subnet, enable, access, endpoint, action):
    target = _sql(alice)
    before = _state(target)
    for page, data in (
        ("vnet_rule", {"vnet": vnet, "subnet": subnet, "enable_endpoint": enable}),
        ("connection", {"endpoint": endpoint, "action": action}),
        ("vnet_rule_remove", {"subnet": subnet}),
    ):
        response = alice.post(_url(target, page), data, HTTP_HX_REQUEST="true")
        assert response.status_code in (200, 422), page
    assert _state(target)[1:3] == before[1:3]
    # A SQL server's own controls (SQL-01 to SQL-03): whatever is posted, a
    # firewall that refuses what no rule allows.
    data = {"deny_public": access, "public_access": access, "allow_azure": enable}
    assert alice.post(_url(target, "networking"), data, HTTP_HX_REQUEST="true").status_code == 200
    assert _state(target)[2] == "Deny"


@FUZZ
@given(
    name=st.one_of(st.text(max_size=70), st.sampled_from(["ab", "a" * 25, "kv--1", "-sql", "UPPER"])),
    model=st.sampled_from([StorageAccount, SqlServer, KeyVault]),
    region=st.sampled_from(["eastus", "mars", ""]),
)
def test_target_create_never_errors(alice, name, model, region):
    rg = _rg(alice)
    slug = {StorageAccount: "storage", SqlServer: "sql", KeyVault: "keyvault"}[model]
    url = reverse(
        f"networking:{slug}_create", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name}
    )
    before = model.objects.filter(sandbox=alice.sandbox).count()
    data = {
        "subscription": str(rg.subscription.subscription_id),
        "resource_group": rg.name,
        "name": name,
        "region": region,
    }
    response = alice.post(url, {**data, "action": "create", "reviewed": "1"})
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert model.objects.filter(sandbox=alice.sandbox).count() == before
