from django.urls import path

from portal.consumers import SandboxConsumer

websocket_urlpatterns = [path("ws/sandbox/", SandboxConsumer.as_asgi())]
