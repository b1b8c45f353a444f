"""Overview's command bar (portal-ui §2.1): Browse, Stop/Start, Swap, Restart,
Delete, Get publish profile and Reset publish profile, each asking with the
portal's Yes/No pane where the portal asks."""

import re

import pytest

from appservice import services
from appservice.models import ServiceAssociationLink, WebApp
from networking.models import PrivateEndpoint, Subnet
from networking.services import endpoints as endpoint_services
from networking.services import vnets as vnet_services
from portal.errors import AzureRuleError
from portal.models import ActivityLogEntry, ResourceGroup
from tests.helpers import HX, app_of, app_url, subnet_of

pytestmark = pytest.mark.django_db


def _operations(client, app) -> list[str]:
    entries = ActivityLogEntry.objects.filter(sandbox=client.sandbox, resource_id__iexact=app.arm_id).order_by("pk")
    return list(entries.values_list("operation_name", flat=True))


def test_the_command_bar_has_the_portals_commands(alice):
    html = alice.get(app_url(alice, "overview", "contoso-web")).content.decode()
    for label in (
        "Browse",
        "Stop",
        "Swap",
        "Restart",
        "Delete",
        "Refresh",
        "Get publish profile",
        "Reset publish profile",
    ):
        assert f"</i> {label}<" in html, label
    assert 'class="az-cmd disabled"><i class="bi bi-stop-circle">' not in html  # Stop works now


def test_restart_asks_yes_no_in_the_portals_pane_then_restarts(alice):
    app = app_of(alice, "contoso-web")
    pane = alice.get(app_url(alice, "restart", "contoso-web"), **HX).content.decode()
    assert "Are you sure you want to restart &#x27;contoso-web&#x27;?" in pane and 'id="restart-form-yes"' in pane
    assert app_of(alice, "contoso-web").status == "Running"  # asking changes nothing
    response = alice.post(app_url(alice, "restart", "contoso-web"), **HX)
    assert response.status_code == 200 and "overview" in response["HX-Location"]
    assert app_of(alice, "contoso-web").status == "Restarting"
    assert _operations(alice, app)[-1] == "Restart Web App"


def test_app_01_stop_then_start_and_the_site_answers_403_while_stopped(alice):
    app = app_of(alice, "contoso-web")
    assert alice.get(app_url(alice, "browse", "contoso-web")).status_code == 200
    pane = alice.get(app_url(alice, "stop", "contoso-web"), **HX).content.decode()
    assert "Are you sure you want to stop" in pane and "APP-01" in pane
    alice.post(app_url(alice, "stop", "contoso-web"), **HX)
    assert app_of(alice, "contoso-web").status == "Stopped"
    site = alice.get(app_url(alice, "browse", "contoso-web"))
    assert site.status_code == 403 and "Error 403 - This web app is stopped." in site.content.decode()
    overview = alice.get(app_url(alice, "overview", "contoso-web")).content.decode()
    assert 'id="start-app"' in overview and 'id="stop-app"' not in overview and 'data-status="Stopped"' in overview
    alice.post(app_url(alice, "stop", "contoso-web"), **HX)  # the same command, now Start
    assert app_of(alice, "contoso-web").status == "Running"
    assert alice.get(app_url(alice, "browse", "contoso-web")).status_code == 200
    assert _operations(alice, app)[-2:] == ["Stop Web App", "Start Web App"]


def test_app_02_swap_needs_a_standard_plan_and_a_slot(alice):
    free = alice.get(app_url(alice, "overview", "contoso-dev")).content.decode()  # F1
    assert re.search(r'class="az-cmd disabled" role="button" aria-disabled="true" id="swap-app"', free)
    assert "APP-02" in free
    standard = alice.get(app_url(alice, "overview", "contoso-web")).content.decode()  # S1
    assert 'class="az-cmd" id="swap-app"' in standard
    pane = alice.get(app_url(alice, "swap", "contoso-web"), **HX).content.decode()
    assert "has no deployment slots" in pane and 'id="swap-start"' in pane and "disabled" in pane


def test_get_publish_profile_downloads_the_apps_profile_and_reset_changes_its_password(alice, bob):
    first = alice.get(app_url(alice, "publish_profile", "contoso-web"))
    assert first["Content-Disposition"] == 'attachment; filename="contoso-web.PublishSettings"'
    body = first.content.decode()
    assert 'userName="$contoso-web"' in body and "contoso-web.scm.azurewebsites.net:443" in body
    assert 'publishMethod="FTP"' in body
    # Another sandbox's app of the same name has another password.
    assert bob.get(app_url(bob, "publish_profile", "contoso-web")).content.decode() != body
    pane = alice.get(app_url(alice, "reset_publish_profile", "contoso-web"), **HX).content.decode()
    assert "Reset the publish profile" in pane
    assert (
        alice.get(app_url(alice, "publish_profile", "contoso-web")).content.decode() == body
    )  # asking changes nothing
    alice.post(app_url(alice, "reset_publish_profile", "contoso-web"), **HX)
    assert alice.get(app_url(alice, "publish_profile", "contoso-web")).content.decode() != body


def test_essentials_show_the_ftp_hosts(alice):
    html = alice.get(app_url(alice, "overview", "contoso-web")).content.decode()
    assert 'id="ftp-hostname">ftp://waws-prod-blu-' in html and 'id="ftps-hostname">ftps://waws-prod-blu-' in html


def test_delete_asks_then_deletes_the_app_and_keeps_its_plan(alice):
    app = app_of(alice, "contoso-dev")
    plan_id = app.plan_id
    pane = alice.get(app_url(alice, "delete", "contoso-dev"), **HX).content.decode()
    assert "Are you sure you want to delete &#x27;contoso-dev&#x27;?" in pane and "ASVI-65" not in pane
    assert WebApp.objects.filter(pk=app.pk).exists()
    response = alice.post(app_url(alice, "delete", "contoso-dev"), **HX)
    assert "contoso-rg" in response["HX-Location"]
    assert not WebApp.objects.filter(pk=app.pk).exists()
    assert WebApp.objects.model._meta.get_field("plan").related_model.objects.filter(pk=plan_id).exists()
    assert ActivityLogEntry.objects.filter(sandbox=alice.sandbox, operation_name="Delete Web App").exists()
    assert alice.get(app_url(alice, "overview", "contoso-web")).status_code == 200


def test_asvi_65_deleting_an_integrated_app_warns_and_orphans_the_association_link(alice):
    app = app_of(alice, "contoso-web")
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    services.add_regional_integration(app, subnet.vnet, subnet=subnet)
    pane = alice.get(app_url(alice, "delete", "contoso-web"), **HX).content.decode()
    assert "disconnect it first" in pane and "ASVI-65" in pane
    alice.post(app_url(alice, "delete", "contoso-web"), **HX)
    assert ServiceAssociationLink.objects.filter(subnet=subnet).exists()
    with pytest.raises(AzureRuleError) as refused:
        vnet_services.delete_subnet(Subnet.objects.get(pk=subnet.pk))
    assert refused.value.err_id == "ERR-16" and "ASVI-65" in refused.value.rule_ids


def test_pedns_30_an_endpoint_to_a_deleted_app_stays_disconnected(alice):
    app = app_of(alice, "contoso-web")
    rg = ResourceGroup.objects.get(subscription__sandbox=alice.sandbox, name="contoso-rg")
    subnet = subnet_of(alice, "contoso-vnet", "vm-subnet")
    endpoint = endpoint_services.create_endpoint(
        rg, name="web-pe", location="eastus", group_id="sites", subnet=subnet, target=app
    )
    services.delete_webapp(app)
    assert PrivateEndpoint.objects.get(pk=endpoint.pk).connection_state == "Disconnected"


def test_another_sandbox_cant_stop_delete_or_download(alice, bob):
    for page in ("stop", "delete", "restart", "reset_publish_profile"):
        assert bob.post(app_url(alice, page, "contoso-web")).status_code == 404, page
    for page in ("browse", "publish_profile", "swap"):
        assert bob.get(app_url(alice, page, "contoso-web")).status_code == 404, page
    assert app_of(alice, "contoso-web").status == "Running"


def test_lock_01_a_delete_lock_refuses_deleting_the_app_from_overview(alice):
    from portal import locks
    from portal.models import LockLevel

    app = app_of(alice, "contoso-dev")
    locks.add_lock(alice.sandbox, app, name="keep", level=LockLevel.CAN_NOT_DELETE, notes="")
    response = alice.post(app_url(alice, "delete", "contoso-dev"), **HX)
    assert response.status_code == 422 and "LOCK-01" in response.content.decode()
    assert WebApp.objects.filter(pk=app.pk).exists()
