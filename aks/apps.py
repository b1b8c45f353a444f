from django.apps import AppConfig


class AksConfig(AppConfig):
    name = "aks"
