"""Kubernetes service blade URLs, under
``.../resourceGroups/<rg>/providers/Microsoft.ContainerService/``."""

from aks import views

app_name = "aks"

urlpatterns = views.urlpatterns
