"""Networking blade URLs. Each family module under networking/views lists
its own patterns; the generic overview comes last."""

from django.urls import path

from networking.views import (
    compute,
    dns,
    endpoints,
    gateways,
    loadbalancers,
    nat,
    nsgs,
    paas,
    peerings,
    routes,
    vnets,
    watcher,
)

app_name = "networking"

urlpatterns = [
    *vnets.urlpatterns,
    *nsgs.urlpatterns,
    *routes.urlpatterns,
    *peerings.urlpatterns,
    *gateways.urlpatterns,
    *dns.urlpatterns,
    *endpoints.urlpatterns,
    *paas.urlpatterns,
    *compute.urlpatterns,
    *nat.urlpatterns,
    *loadbalancers.urlpatterns,
    *watcher.urlpatterns,
    path("<str:provider>/<str:type_name>/<str:name>/overview", vnets.resource_overview, name="resource_overview"),
]
