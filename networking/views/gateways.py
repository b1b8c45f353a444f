"""Blades of the gateways family (issue #3)."""

urlpatterns: list = []
