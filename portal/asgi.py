"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

from asgiref.wsgi import WsgiToAsgi  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

# HTTP goes through Django's WSGI handler behind asgiref's adapter: every view
# is synchronous, and Django's ASGI handler would start a thread and hop
# between the loop and it several times per request, which halved throughput
# (docs/benchmarks.md). WebSockets stay native ASGI (Channels).
# Django must be set up (get_wsgi_application) before routing imports consumers.
django_http_app = WsgiToAsgi(get_wsgi_application())

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402

from portal.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_http_app,
        "websocket": AllowedHostsOriginValidator(SessionMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
