from django.apps import AppConfig


class AppserviceConfig(AppConfig):
    name = "appservice"

    def ready(self) -> None:
        # Layers (issue #9): App Service plugs into networking through the
        # registry. Imported here because models load only once apps are ready.
        from appservice import services, snapshot
        from portal.errors import add_texts
        from portal.registry import registry

        add_texts(services.ERR_TEXT)
        services.register_with_networking(registry)
        snapshot.register(registry)
