"""Blades of the peerings family (issue #3)."""

urlpatterns: list = []
