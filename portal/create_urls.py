"""'Create a resource' (Marketplace), the create wizards and deployments."""

from django.urls import path

from portal import create_views

urlpatterns = [
    path("", create_views.marketplace, name="create_resource"),
    path("deployments/<uuid:correlation_id>/", create_views.deployment, name="create_deployment"),
    path("<slug:kind>/", create_views.create_wizard, name="create_wizard"),
]
