"""Shared fixtures: personas with their own sandboxes (alice, bob) and
helpers to address resources by their Azure resource IDs."""

import pytest
from django.test import Client
from django.urls import reverse

from appservice.models import WebApp
from networking.models import Subnet, VirtualNetwork
from portal.middleware import SESSION_KEY
from portal.models import Sandbox


def _persona(client: Client) -> Client:
    client.get(reverse("home"))
    client.sandbox = Sandbox.objects.get(key=client.session[SESSION_KEY])
    return client


@pytest.fixture
def alice(db) -> Client:
    """A learner with a fresh sandbox from the demo seed."""
    return _persona(Client())


@pytest.fixture
def bob(db) -> Client:
    """Another learner, in a sandbox of his own."""
    return _persona(Client())


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
