"""'Create a resource' (Marketplace), the create wizards and deployments."""

from django.urls import path

from aks import views as aks_views
from portal import create_views

urlpatterns = [
    path("", create_views.marketplace, name="create_resource"),
    path("deployments/<uuid:correlation_id>/", create_views.deployment, name="create_deployment"),
    path("kubernetes/ip-plan", aks_views.ip_plan, name="aks_ip_plan"),
    path("kubernetes/network-model", aks_views.network_model, name="aks_network_model"),
    path("<slug:kind>/", create_views.create_wizard, name="create_wizard"),
]
