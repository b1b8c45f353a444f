from django.apps import AppConfig


class AksConfig(AppConfig):
    name = "aks"

    def ready(self) -> None:
        # Layers (issue #9): AKS plugs into networking through the registry.
        # Imported here because models load only once apps are ready.
        from aks import snapshot, usage
        from portal.registry import registry

        snapshot.register(registry)
        usage.register(registry)
