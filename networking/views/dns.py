"""Blades of the dns family (issue #3)."""

urlpatterns: list = []
