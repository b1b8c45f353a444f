from django.apps import AppConfig


class NetworkingConfig(AppConfig):
    name = "networking"

    def ready(self) -> None:
        # Declaring the types imports the app's models: only once the
        # registry of apps is ready.
        from networking import resources

        resources.register()
