from django.apps import AppConfig

from aks.planning import ERR_TEXT
from portal.errors import add_texts


class AksConfig(AppConfig):
    name = "aks"

    def ready(self) -> None:
        # ERR-32 to ERR-46 live in the pure planner; refuse() finds them here.
        add_texts(ERR_TEXT)

        # Layers (issue #9): AKS plugs into networking through the registry.
        # Imported here because models load only once apps are ready.
        from aks import snapshot, usage
        from portal.registry import registry

        snapshot.register(registry)
        usage.register(registry)
