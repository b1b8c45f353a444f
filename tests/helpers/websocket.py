"""The sandbox WebSocket as a browser opens it, for tests of who may."""

from channels.testing import WebsocketCommunicator
from django.conf import settings

from portal.asgi import application


async def connect_with_session_cookie(cookie: str) -> tuple[bool, int | None]:
    """Open /ws/sandbox/ from the portal's own origin with this session
    cookie; whether it connected, and the close code if not."""
    communicator = WebsocketCommunicator(
        application,
        "/ws/sandbox/",
        headers=[
            (b"origin", b"http://127.0.0.1:8000"),
            (b"host", b"127.0.0.1:8000"),
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()),
        ],
    )
    connected, code = await communicator.connect()
    await communicator.disconnect()
    return connected, code
