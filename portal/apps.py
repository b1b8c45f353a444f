import sys

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal shell"

    def ready(self):
        from django.conf import settings
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
        # What a sandbox's pages show beside its resources: none of it is read
        # into the network's snapshot.
        changes.not_estate("portal_operation", "portal_notification", "portal_activitylogentry", "portal_opentab")

        # A server starting in the production profile (Django is set up while
        # portal.asgi is imported) serves collected static files: collect them
        # now if they are missing or stale, rather than answer 500 on every
        # page (portal/staticmanifest.py). Management commands never do.
        if not settings.DEBUG and "portal.asgi" in sys.modules:
            from portal import staticmanifest

            staticmanifest.ensure_collected()
