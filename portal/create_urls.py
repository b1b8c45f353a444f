"""'Create a resource' (Marketplace), the create wizards and deployments.
The URLs an app's wizard needs beside its page come from the registry."""

from django.urls import include, path
from django.utils.module_loading import import_string

from portal import create_views
from portal.registry import registry

urlpatterns = [
    path("", create_views.marketplace, name="create_resource"),
    path("deployments/<uuid:correlation_id>/", create_views.deployment, name="create_deployment"),
    *(path("", include(import_string(patterns))) for patterns in registry.create_urls()),
    path("<slug:kind>/", create_views.create_wizard, name="create_wizard"),
]
