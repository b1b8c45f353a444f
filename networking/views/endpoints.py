"""Blades of the endpoints family (issue #3)."""

urlpatterns: list = []
