from django.apps import AppConfig


class AksConfig(AppConfig):
    name = "aks"

    def ready(self) -> None:
        # Declaring the types imports the app's models: only once the
        # registry of apps is ready.
        from aks import resources

        resources.register()

        # ARM JSON in and out (issue #9 point 3, aks/arm.py).
        from aks.arm import register_arm

        register_arm()
