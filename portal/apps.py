from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal shell"

    def ready(self):
        from django.db import connections
        from django.urls import register_converter

        from portal import changes
        from portal.inputs import PkConverter

        # ``<pk:...>``: the URLs' row keys, never past a key column's range (issue #12).
        register_converter(PkConverter, "pk")

        # Connections opened before now (there are none in a server; a test
        # runner may have one) watch their writes too.
        for conn in connections.all(initialized_only=True):
            changes.install(connection=conn)
