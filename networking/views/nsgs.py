"""Blades of the nsgs family (issue #3)."""

urlpatterns: list = []
