"""Kubernetes service blade URLs, under ``.../resourceGroups/<rg>/providers/``:
``Microsoft.ContainerService/managedClusters/...`` and the node pools'
``Microsoft.Compute/virtualMachineScaleSets/...``."""

from django.urls import path

from aks import views

app_name = "aks"

urlpatterns = views.urlpatterns

# The create wizard's helpers, served under /create/ (registered in
# aks/resources.py); their names stay global, as the wizard's templates use them.
create_urlpatterns = [
    path("kubernetes/ip-plan", views.ip_plan, name="aks_ip_plan"),
    path("kubernetes/network-model", views.network_model, name="aks_network_model"),
]
