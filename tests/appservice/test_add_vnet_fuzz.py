"""Whatever a browser sends to the Add VNet pane, the answer is the pane with
a message or a finished integration: never a 500, never a half-written
subnet."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appservice.models import VnetIntegration
from networking.models import Subnet
from tests.helpers import app_url, vnet_of

pytestmark = pytest.mark.django_db

cidr_like = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda a, b, c, d, n: f"{a}.{b}.{c}.{d}/{n}",
        st.integers(-5, 300),
        st.integers(-5, 300),
        st.integers(-5, 300),
        st.integers(-5, 300),
        st.integers(-3, 140),
    ),
    st.sampled_from(["10.0.4.0/26", "10.0.0.0/16", "::/0", "fd00::/64", "10.0.4.0/ 26", "10.0.4.0//26", "0.0.0.0/0"]),
)
name_like = st.one_of(st.text(max_size=100), st.sampled_from(["asp", "GatewaySubnet", "vm-subnet", "a" * 81, "ok_name."]))
id_like = st.one_of(st.text(max_size=12), st.integers(-10, 10**12).map(str))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=name_like, prefix=cidr_like, mode=st.sampled_from(["new", "existing", "", "bogus"]), subnet=id_like, vnet_choice=st.sampled_from(["own", "junk"]))
def test_add_vnet_pane_never_errors_and_never_half_writes(alice, name, prefix, mode, subnet, vnet_choice):
    vnet = vnet_of(alice, "contoso-vnet")
    before = set(Subnet.objects.filter(vnet=vnet).values_list("name", "address_prefix", "delegation"))
    integrated_before = VnetIntegration.objects.filter(app__sandbox=alice.sandbox).exists()
    response = alice.post(
        app_url(alice, "add_vnet", "contoso-web"),
        {
            "vnet": vnet.pk if vnet_choice == "own" else subnet,
            "subnet_mode": mode,
            "subnet": subnet,
            "subnet_name": name,
            "subnet_prefix": prefix,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code in (200, 422)
    after = set(Subnet.objects.filter(vnet=vnet).values_list("name", "address_prefix", "delegation"))
    if response.status_code == 422:
        assert after == before
        assert VnetIntegration.objects.filter(app__sandbox=alice.sandbox).exists() == integrated_before
    else:
        # it worked: clean up so the next example starts from the seed again
        from appservice import services
        from tests.helpers import app_of

        services.disconnect(app_of(alice, "contoso-web"))
        Subnet.objects.filter(vnet=vnet).exclude(name__in=[n for n, _, _ in before]).delete()
        Subnet.objects.filter(vnet=vnet, name="integration-subnet").update(delegation="")
