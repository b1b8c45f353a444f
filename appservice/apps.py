from django.apps import AppConfig


class AppserviceConfig(AppConfig):
    name = "appservice"
