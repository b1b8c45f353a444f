from django.apps import AppConfig

from aks.planning import ERR_TEXT
from portal.errors import add_texts


class AksConfig(AppConfig):
    name = "aks"

    def ready(self) -> None:
        # ERR-32 to ERR-46 live in the pure planner; refuse() finds them here.
        add_texts(ERR_TEXT)

        # Declaring the types imports the app's models: only once the
        # registry of apps is ready.
        from aks import resources

        resources.register()

        # ARM JSON in and out (issue #9 point 3, aks/arm.py).
        from aks.arm import register_arm

        register_arm()

        # Layers (issue #9): AKS plugs into networking through the registry
        # (who uses a subnet; its clusters and pods in the engine's snapshot).
        from aks import snapshot, usage
        from portal.registry import registry

        snapshot.register(registry)
        usage.register(registry)
