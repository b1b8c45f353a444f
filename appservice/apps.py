from django.apps import AppConfig


class AppserviceConfig(AppConfig):
    name = "appservice"

    def ready(self) -> None:
        # Declaring the types imports the app's models: only once the
        # registry of apps is ready.
        from appservice import resources

        resources.register()

        # ARM JSON in and out (issue #9 point 3, appservice/arm.py).
        from appservice.arm import register_arm

        register_arm()

        # Layers (issue #9): App Service plugs into networking through the
        # registry (who uses a subnet, VNet or gateway; its apps in the
        # engine's snapshot), imported here for the same reason.
        from appservice import services, snapshot
        from portal.errors import add_texts
        from portal.registry import registry

        add_texts(services.ERR_TEXT)
        services.register_with_networking(registry)
        snapshot.register(registry)
