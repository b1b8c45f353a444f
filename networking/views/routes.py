"""Blades of the routes family (issue #3)."""

urlpatterns: list = []
