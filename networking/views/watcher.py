"""Network Watcher blades (issue #4)."""

urlpatterns: list = []
