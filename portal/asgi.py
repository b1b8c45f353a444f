"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from a2wsgi import WSGIMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from portal.limits import BodyLimit  # noqa: E402

# HTTP: Django's WSGI handler on a pool of VNETLAB_HTTP_THREADS threads
# (a2wsgi), each keeping its database connection between requests; a view's
# body is read from the connection as Django asks for it. Every view is
# synchronous, and Django's ASGI handler would hop to a thread and back for
# each one (docs/architecture.md, "Serving"; docs/benchmarks.md has both
# figures). In front, SBX-06: a body over VNETLAB_MAX_REQUEST_BYTES is refused
# (413) before it is read (portal/limits.py). Django must be set up
# (get_wsgi_application) before the routing imports consumers and models.
django_http_app = BodyLimit(
    WSGIMiddleware(get_wsgi_application(), workers=settings.VNETLAB_HTTP_THREADS),
    limit=settings.VNETLAB_MAX_REQUEST_BYTES,
)

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
