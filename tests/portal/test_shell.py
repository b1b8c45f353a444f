"""The portal shell: Home, All resources, Resource groups, notifications,
the sandbox's reset and era, and tenancy."""

import pytest
from django.test import Client
from django.urls import reverse

from appservice import services as app_services
from appservice.models import VnetIntegration
from networking.models import Subnet
from portal.models import Notification, ResourceGroup, Sandbox
from tests.helpers import HX, app_of, subnet_of, vnet_of

pytestmark = pytest.mark.django_db


def test_a_first_visit_creates_a_sandbox_from_the_demo_seed(db):
    client = Client()
    response = client.get("/")
    assert response.status_code == 200
    sandbox = Sandbox.objects.get()
    assert sandbox.era == "classic"
    assert ResourceGroup.objects.get(subscription__sandbox=sandbox).name == "contoso-rg"
    html = response.content.decode()
    for label in ("Microsoft Azure", "Create a resource", "All resources", "Resource groups", "Azure subscription 1"):
        assert label in html, label
    assert 'id="bell-count"' in html


def test_the_same_browser_keeps_its_sandbox(alice):
    alice.get("/")
    alice.get("/resources/")
    assert Sandbox.objects.count() == 1


def test_a_tampered_session_cookie_gets_a_fresh_sandbox_not_an_error(db):
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    store = SessionStore()
    store["sandbox"] = "not-a-uuid"
    store.save()
    client = Client()
    client.cookies["sessionid"] = store.session_key
    assert client.get("/").status_code == 200
    assert Sandbox.objects.count() == 1


def test_all_resources_lists_the_seed_with_type_group_location_and_subscription(alice):
    response = alice.get(reverse("all_resources"))
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "contoso-web",
        "App Service",
        "contoso-vnet",
        "Virtual network",
        "Virtual network (classic)",
        "contoso-rg",
        "East US",
        "West US",
    ):
        assert text in html, text
    assert "Showing 15 records." in html


def test_all_resources_filters_by_name_as_a_fragment(alice):
    response = alice.get(reverse("all_resources"), {"q": "westus"}, **HX)
    html = response.content.decode()
    assert "<html" not in html and 'id="resource-table"' in html
    assert "contoso-westus-vnet" in html and "contoso-web<" not in html
    assert "HX-Request" in response["Vary"]


def test_all_resources_filters_by_type(alice):
    html = alice.get(reverse("all_resources"), {"type": "Microsoft.Web/sites"}).content.decode()
    assert "Showing 4 records." in html


def test_all_resources_never_shows_another_sandbox(alice, bob):
    app = app_of(bob, "contoso-web")
    html = alice.get(reverse("all_resources")).content.decode()
    assert str(bob.sandbox.subscriptions.get().subscription_id) not in html
    assert app.arm_id not in html


def test_resource_groups_and_group_overview(alice):
    html = alice.get(reverse("resource_groups")).content.decode()
    assert "contoso-rg" in html
    sub = alice.sandbox.subscriptions.get().subscription_id
    overview = alice.get(reverse("resource_group", kwargs={"subscription_id": sub, "rg": "contoso-rg"}))
    assert overview.status_code == 200
    assert "contoso-api" in overview.content.decode()


def test_another_sandboxs_resource_group_is_404(alice, bob):
    sub = alice.sandbox.subscriptions.get().subscription_id
    assert bob.get(reverse("resource_group", kwargs={"subscription_id": sub, "rg": "contoso-rg"})).status_code == 404
    assert (
        bob.get(reverse("resource_group_activity", kwargs={"subscription_id": sub, "rg": "contoso-rg"})).status_code
        == 404
    )


def test_a_vnet_blade_of_another_sandbox_is_404(alice, bob):
    sub = alice.sandbox.subscriptions.get().subscription_id
    kwargs = {"subscription_id": sub, "rg": "contoso-rg", "provider": "Microsoft.Network", "name": "contoso-vnet"}
    assert alice.get(reverse("networking:vnet_overview", kwargs=kwargs)).status_code == 200
    assert bob.get(reverse("networking:vnet_overview", kwargs=kwargs)).status_code == 404
    assert bob.get(reverse("networking:vnet_subnets", kwargs=kwargs)).status_code == 404


def test_subnets_page_shows_the_five_reserved_addresses_subnet_01(alice):
    sub = alice.sandbox.subscriptions.get().subscription_id
    kwargs = {"subscription_id": sub, "rg": "contoso-rg", "provider": "Microsoft.Network", "name": "contoso-vnet"}
    html = alice.get(reverse("networking:vnet_subnets", kwargs=kwargs)).content.decode()
    assert "10.0.2.0 network address" in html and "10.0.2.1 default gateway" in html and "10.0.2.63 broadcast" in html
    assert ">59<" in html  # usable in a /26


def test_the_bell_pane_lists_notifications_and_marks_them_read(alice):
    app_services.user_restart(app_of(alice, "contoso-web"))
    assert Notification.objects.filter(sandbox=alice.sandbox, unread=True).exists()
    response = alice.get(reverse("notifications"), **HX)
    html = response.content.decode()
    assert "<html" not in html
    assert "Restarting app &#x27;contoso-web&#x27;" in html or "Successfully restarted app" in html
    assert not Notification.objects.filter(sandbox=alice.sandbox, unread=True).exists()


def test_dismiss_all_keeps_running_operations(alice):
    from portal.services import notify

    notify(alice.sandbox, "Old news", level="success")
    app_services.user_restart(app_of(alice, "contoso-web"))  # progress notification
    response = alice.post(reverse("dismiss_notifications"), **HX)
    assert response.status_code == 200
    levels = set(Notification.objects.filter(sandbox=alice.sandbox).values_list("level", flat=True))
    assert levels <= {"progress", "success"} and "Old news" not in response.content.decode()


def test_dismiss_all_needs_post(alice):
    assert alice.get(reverse("dismiss_notifications")).status_code == 405


def test_reset_sandbox_returns_to_the_seed(alice):
    sub = subnet_of(alice, "contoso-vnet", "integration-subnet")
    app_services.add_regional_integration(app_of(alice, "contoso-web"), sub.vnet, subnet=sub)
    Subnet.objects.create(vnet=sub.vnet, name="extra", address_prefix="10.0.9.0/24")
    subscription_id = alice.sandbox.subscriptions.get().subscription_id
    response = alice.post(reverse("reset_sandbox"))
    assert response.status_code == 302
    assert not VnetIntegration.objects.filter(app__sandbox=alice.sandbox).exists()
    assert not Subnet.objects.filter(vnet__sandbox=alice.sandbox, name="extra").exists()
    assert subnet_of(alice, "contoso-vnet", "integration-subnet").delegation == ""
    assert alice.sandbox.subscriptions.get().subscription_id == subscription_id
    assert app_of(alice, "contoso-web").status == "Running"


def test_reset_sandbox_leaves_other_sandboxes_alone(alice, bob):
    sub = subnet_of(bob, "contoso-vnet", "integration-subnet")
    app_services.add_regional_integration(app_of(bob, "contoso-web"), sub.vnet, subnet=sub)
    alice.post(reverse("reset_sandbox"))
    assert VnetIntegration.objects.filter(app__sandbox=bob.sandbox).count() == 1


def test_reset_asks_for_confirmation_first(alice):
    """A GET is the Yes/No pane; nothing is reset until "Yes" posts."""
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    Subnet.objects.create(vnet=subnet.vnet, name="extra", address_prefix="10.0.9.0/24")
    response = alice.get(reverse("reset_sandbox"), **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="reset-yes"' in html and 'id="confirm-no"' in html
    assert "return to the demo seed?" in html
    assert Subnet.objects.filter(vnet__sandbox=alice.sandbox, name="extra").exists()
    page = alice.get(reverse("reset_sandbox")).content.decode()  # opened in a tab of its own
    assert 'id="reset-yes"' in page and f'href="{reverse("sandbox_settings")}" id="confirm-no"' in page


def test_era_switch_changes_the_rules(alice):
    response = alice.post(reverse("set_era"), {"era": "current"})
    assert response.status_code == 302
    alice.sandbox.refresh_from_db()
    assert alice.sandbox.era == "current"
    assert "Current (2026)" in alice.get("/").content.decode()


def test_an_unknown_era_is_refused_on_the_field(alice):
    response = alice.post(reverse("set_era"), {"era": "2019"})
    assert response.status_code == 422
    assert "Choose Classic (2021) or Current (2026)." in response.content.decode()
    alice.sandbox.refresh_from_db()
    assert alice.sandbox.era == "classic"


def test_healthz(db):
    assert Client().get("/healthz").content == b"ok"


def test_healthz_answers_a_load_balancers_head_probe(db):
    response = Client().head("/healthz")
    assert response.status_code == 200
    assert not Sandbox.objects.exists()


def test_the_health_probe_creates_no_sandbox(db):
    Client().get("/healthz")
    assert not Sandbox.objects.exists()


def test_all_resources_pages_by_100_sorted_by_name(alice):
    from tests.helpers.appservice import grow_apps

    grow_apps(alice, 50)  # 150 more resources: 165 in all
    html = alice.get(reverse("all_resources")).content.decode()
    assert "Showing 1 to 100 of 165 records." in html
    assert html.count("data-resource-id=") == 100
    second = alice.get(reverse("all_resources"), {"page": "2"}, **HX).content.decode()
    assert "Showing 101 to 165 of 165 records." in second
    assert second.count("data-resource-id=") == 65
    # app-*, contoso-*, grow-* then legacy-*, plan-*: sorted by name across types
    assert "contoso-web<" in html and "contoso-web<" not in second
    assert "legacy-classic-vnet" in second and "plan-0-50" in second
    assert alice.get(reverse("all_resources"), {"page": "junk"}).status_code == 200
    assert "Showing 101 to 165" in alice.get(reverse("all_resources"), {"page": "999"}).content.decode()


def test_ping_is_a_trivial_sandboxed_request(alice):
    response = alice.get("/ping")
    assert response.content == b"pong"
    assert alice.post("/ping").status_code == 405


def test_the_menus_network_watcher_opens_this_subscriptions_watcher(alice):
    response = alice.get(reverse("network_watcher"))
    assert response.status_code == 302
    sub = str(alice.sandbox.subscriptions.get().subscription_id)
    assert sub in response["Location"] and "NetworkWatcher_eastus" in response["Location"]
    assert alice.get(response["Location"]).status_code == 200


def test_the_bell_pane_links_more_events_in_the_activity_log(alice):
    app_services.user_restart(app_of(alice, "contoso-web"))
    html = alice.get(reverse("notifications"), **HX).content.decode()
    assert 'id="more-events"' in html and "More events in the activity log" in html
    assert f'href="{reverse("activity_log")}"' in html


def test_the_subscription_activity_log_lists_every_group_and_no_other_sandbox(alice, bob):
    from networking.services import vnets

    app_services.user_restart(app_of(alice, "contoso-web"))
    vnets.delete_vnet(vnet_of(alice, "legacy-classic-vnet"))
    html = alice.get(reverse("activity_log")).content.decode()
    assert "Monitor" in html and "Activity log" in html
    assert "Delete Virtual Network" in html and "Restart Web App" in html
    assert "Delete Virtual Network" not in bob.get(reverse("activity_log")).content.decode()


def test_a_notification_of_a_deleted_resource_loses_its_link(alice):
    """Its text stays; the link would open a blade that answers 404."""
    from networking.services import vnets
    from portal.resources import resource_url
    from portal.services import notify

    vnet = vnet_of(alice, "contoso-weu-vnet")
    link = resource_url(vnet)
    notify(alice.sandbox, "Deployment succeeded", "contoso-weu-vnet was created", link=link)
    notify(alice.sandbox, "App link", "contoso-web", link=resource_url(app_of(alice, "contoso-web")))
    assert f'href="{link}"' in alice.get(reverse("notifications"), **HX).content.decode()
    vnets.delete_vnet(vnet)
    assert alice.get(link).status_code == 404
    html = alice.get(reverse("notifications"), **HX).content.decode()
    assert "contoso-weu-vnet was created" in html and f'href="{link}"' not in html
    assert f'href="{resource_url(app_of(alice, "contoso-web"))}"' in html
