"""'Create a resource' (Marketplace) and the create wizards."""

from django.urls import path

from portal import create_views

urlpatterns = [
    path("", create_views.marketplace, name="create_resource"),
]
