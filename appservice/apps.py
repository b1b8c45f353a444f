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
