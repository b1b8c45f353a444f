"""Whatever a browser sends to the record set and link panes and the zone
wizard: a 200 or a 422 with the form, never a 500, nothing written on a refusal."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from networking.models import PrivateDnsRecordSet, PrivateDnsZone, VirtualNetworkLink
from networking.services import dns as dns_services
from portal.models import ResourceGroup

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

text = st.one_of(st.text(max_size=60), st.sampled_from(["@", "*", "web", "a" * 64, "ünï", "a..b", "-x", "_sip._tcp"]))
values = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "10.0.0.1",
            "10.0.0.1\n10.0.0.1",
            "300.1.1.1",
            "fe80::1",
            "app.contoso.com",
            "a\nb",
            "10 mail.x.com",
            "1 2 3 x.y",
        ]
    ),
)
ttl = st.one_of(st.text(max_size=12), st.integers(-10, 10**12).map(str))


def _zone(client):
    rg = ResourceGroup.objects.select_related("subscription__sandbox").get(subscription__sandbox=client.sandbox)
    zone = PrivateDnsZone.objects.filter(sandbox=client.sandbox).first() or dns_services.create_zone(
        rg, name="private.contoso.com"
    )
    return zone


def _url(zone, page):
    rg = zone.resource_group
    return reverse(
        f"networking:dns_zone_{page}",
        kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": zone.name},
    )


def _records(zone):
    rows = PrivateDnsRecordSet.objects.filter(zone=zone).values_list("name", "record_type", "ttl", "records")
    return {(name, kind, ttl, tuple(map(str, records))) for name, kind, ttl, records in rows}


@FUZZ
@given(
    name=text,
    record_type=st.sampled_from(["A", "AAAA", "CNAME", "MX", "PTR", "SRV", "TXT", "SOA", ""]),
    ttl=ttl,
    unit=st.sampled_from(["Seconds", "Hours", "Weeks", "Years", ""]),
    records=values,
)
def test_record_set_pane_never_errors(alice, name, record_type, ttl, unit, records):
    zone = _zone(alice)
    before = _records(zone)
    response = alice.post(
        _url(zone, "record_set_add"),
        {"name": name, "record_type": record_type, "ttl": ttl, "ttl_unit": unit, "records": records},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert _records(zone) == before


@FUZZ
@given(
    name=text,
    vnet=st.one_of(st.text(max_size=10), st.integers(-5, 10**9).map(str)),
    registration=st.sampled_from(["on", "", "x"]),
    fallback=st.sampled_from(["on", ""]),
)
def test_link_pane_never_errors(alice, name, vnet, registration, fallback):
    zone = _zone(alice)
    before = VirtualNetworkLink.objects.filter(zone=zone).count()
    response = alice.post(
        _url(zone, "link_add"),
        {"link_name": name, "vnet": vnet, "registration": registration, "fallback": fallback},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert VirtualNetworkLink.objects.filter(zone=zone).count() == before


@FUZZ
@given(
    name=st.one_of(
        st.text(max_size=300), st.sampled_from(["privatelink.database.windows.net", "x.y", "a" * 64 + ".com"])
    ),
    action=st.sampled_from(["review", "create", "next", "stay"]),
)
def test_zone_wizard_never_errors(alice, name, action):
    rg = ResourceGroup.objects.select_related("subscription").get(subscription__sandbox=alice.sandbox)
    url = reverse(
        "networking:dns_zone_create", kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name}
    )
    before = PrivateDnsZone.objects.filter(sandbox=alice.sandbox).count()
    response = alice.post(
        url,
        {
            "subscription": str(rg.subscription.subscription_id),
            "resource_group": rg.name,
            "name": name,
            "action": action,
            "reviewed": "1",
        },
    )
    assert response.status_code in (200, 302, 422)
    if response.status_code != 302:
        assert PrivateDnsZone.objects.filter(sandbox=alice.sandbox).count() == before
