from django.urls import path

from portal.consumers import SandboxConsumer

websocket_urlpatterns = [path("ws/sandbox/", SandboxConsumer.as_asgi())]


def add(pattern) -> None:
    """A higher app's WebSocket route (from its ``AppConfig.ready``, before
    portal/asgi.py builds the router): the frame names no app."""
    if all(str(p.pattern) != str(pattern.pattern) for p in websocket_urlpatterns):
        websocket_urlpatterns.append(pattern)
