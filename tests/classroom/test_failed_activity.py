"""CLS-13: a write Azure refuses is a Failed operation in the learner's
Activity log, with the rule that refused it; the refused write's rollback
leaves the row."""

import pytest

from appservice.models import VnetIntegration
from portal.models import ActivityLogEntry
from portal.services import refusal_rules
from tests.helpers import HX, app_url, subnet_of

pytestmark = pytest.mark.django_db


def _refused_integration(client):
    sub = subnet_of(client, "contoso-vnet", "vm-subnet")  # holds VMs: not empty (ASVI, ERR-01)
    return client.post(
        app_url(client, "add_vnet", "contoso-web"),
        {"vnet": sub.vnet_id, "subnet_mode": "existing", "subnet": sub.pk},
        **HX,
    )


def test_a_refused_integration_is_a_failed_row_naming_its_rule_cls_13(alice):
    response = _refused_integration(alice)
    assert response.status_code == 422
    assert not VnetIntegration.objects.exists()
    entry = ActivityLogEntry.objects.get(sandbox=alice.sandbox, status="Failed")
    assert entry.operation_name == "Create or Update App Service"
    assert entry.resource_id.endswith("/providers/Microsoft.Web/sites/contoso-web")
    rules = refusal_rules(entry.detail)
    assert "ERR-01" in rules and any(r.startswith("ASVI-") for r in rules)
    assert "isn't empty" in entry.detail


def test_the_activity_log_blade_shows_the_failed_row_cls_13(alice):
    _refused_integration(alice)
    html = alice.get(app_url(alice, "activity_log", "contoso-web")).content.decode()
    assert 'data-status="Failed"' in html
    assert "bi-x-circle-fill" in html


def test_a_write_that_succeeds_or_a_read_writes_no_failed_row_cls_13(alice):
    alice.get(app_url(alice, "add_vnet", "contoso-web"))
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    alice.post(
        app_url(alice, "add_vnet", "contoso-web"), {"vnet": sub.vnet_id, "subnet_mode": "existing", "subnet": sub.pk}
    )
    assert VnetIntegration.objects.exists()
    assert not ActivityLogEntry.objects.filter(status="Failed").exists()


def test_bad_input_that_no_rule_refuses_is_not_a_failed_operation_cls_13(alice, bob):
    bobs = subnet_of(bob, "contoso-vnet", "integration-subnet")
    response = alice.post(
        app_url(alice, "add_vnet", "contoso-web"), {"vnet": bobs.vnet_id, "subnet_mode": "existing", "subnet": bobs.pk}
    )
    assert response.status_code == 422
    assert not ActivityLogEntry.objects.filter(status="Failed").exists()


def test_a_refusal_quoting_a_nul_is_logged_with_the_nul_replaced_cls_13(alice):
    """The message may quote what was posted; PostgreSQL can't store a NUL."""
    from tests.helpers.vnets import snapshot, vnet_url

    before = snapshot(alice.sandbox)
    response = alice.post(
        vnet_url(alice, "vnet_address_space"),
        {"address_space": ["10.0.0.0/16", "10.0.0.0/16\x00"], "action": "save"},
        **HX,
    )
    assert response.status_code == 422
    assert snapshot(alice.sandbox) == before
    entry = ActivityLogEntry.objects.get(sandbox=alice.sandbox, status="Failed")
    assert "\x00" not in entry.detail and refusal_rules(entry.detail)
