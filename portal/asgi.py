"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from portal.http_bridge import ThreadedWSGIBridge  # noqa: E402

# HTTP: Django's WSGI handler on a few worker threads (portal/http_bridge.py
# says why; docs/benchmarks.md has the figures). Django must be set up
# (get_wsgi_application) before the routing imports consumers and models.
django_http_app = ThreadedWSGIBridge(get_wsgi_application(), threads=settings.VNETLAB_HTTP_THREADS)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402

from portal import live  # noqa: E402
from portal.lifespan import lifespan  # noqa: E402
from portal.routing import websocket_urlpatterns  # noqa: E402

router = ProtocolTypeRouter(
    {
        "http": django_http_app,
        "websocket": AllowedHostsOriginValidator(SessionMiddlewareStack(URLRouter(websocket_urlpatterns))),
        "lifespan": lifespan,
    }
)


async def application(scope, receive, send):
    live.remember_server_loop()
    return await router(scope, receive, send)
