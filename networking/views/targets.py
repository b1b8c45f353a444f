"""Blades of the targets family (issue #3)."""

urlpatterns: list = []
