"""What the test modules share: the htmx header, a persona's sandbox, and the
personas' resources looked up by name. Builders for one area live beside it (``aks``,
``gateways``, ``nsgs``, ``vnets``, ``watcher``...); fixtures stay in
``tests/conftest.py``. No test module imports from another test module."""

from django.test import Client
from django.urls import reverse

from appservice.models import WebApp
from networking.models import Subnet, VirtualNetwork
from portal.middleware import SESSION_KEY
from portal.models import Sandbox

# What htmx sends with every request it makes: views answer with a fragment.
HX = {"HTTP_HX_REQUEST": "true"}


def persona(client: Client) -> Client:
    """A learner: the first visit gives the client a sandbox with the demo
    seed, kept on ``client.sandbox``."""
    client.get(reverse("home"))
    client.sandbox = Sandbox.objects.get(secret=client.session[SESSION_KEY])
    return client


def create_group(client: Client, name: str = "deploy-rg") -> str:
    """The learner creates a resource group through the wizard (its toast:
    "Resource group created"); the deployment page it is sent to."""
    data = {
        "subscription": str(client.sandbox.subscriptions.get().subscription_id),
        "name": name,
        "region": "eastus",
        "current_tab": "review",
        "action": "create",
    }
    response = client.post(reverse("create_wizard", kwargs={"kind": "resourcegroup"}), data)
    assert response.status_code == 302, response.status_code
    return response["Location"]


def app_of(client: Client, name: str) -> WebApp:
    return WebApp.objects.select_related("plan", "sandbox", "resource_group__subscription").get(
        sandbox=client.sandbox, name=name
    )


def vnet_of(client: Client, name: str) -> VirtualNetwork:
    return VirtualNetwork.objects.select_related("sandbox").get(sandbox=client.sandbox, name=name)


def subnet_of(client: Client, vnet: str, name: str) -> Subnet:
    return Subnet.objects.get(vnet__sandbox=client.sandbox, vnet__name=vnet, name=name)


def app_url(client_or_app, page: str, name: str | None = None) -> str:
    """The URL of an app blade page ('networking', 'vnet_integration'...)."""
    app = client_or_app if isinstance(client_or_app, WebApp) else app_of(client_or_app, name)
    rg = app.resource_group
    return reverse(
        f"appservice:{page}",
        kwargs={"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": app.name},
    )
