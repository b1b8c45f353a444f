"""Sending to the sandbox groups from synchronous code.

Views run in a worker thread under the ASGI server. ``async_to_sync`` there
would nest an event-loop hop inside asgiref's WSGI adapter, which leaves the
adapter's executor broken for the next request; instead a push is handed to
the server's event loop, fire-and-forget, which is also all an after-commit
broadcast needs. Outside a server (tests, the shell) it falls back to
``async_to_sync``.
"""

import asyncio
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

_server_loop: asyncio.AbstractEventLoop | None = None
_server_thread: int | None = None


def remember_server_loop() -> None:
    """Called on the event loop that serves the ASGI application."""
    global _server_loop, _server_thread
    _server_loop = asyncio.get_running_loop()
    _server_thread = threading.get_ident()


def server_loop() -> asyncio.AbstractEventLoop | None:
    """The ASGI server's running event loop, when this process serves one
    and the caller isn't on it (None in tests and the shell)."""
    loop = _server_loop
    if loop is not None and loop.is_running() and threading.get_ident() != _server_thread:
        return loop
    return None


def group_send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    loop = _server_loop
    if loop is not None and loop.is_running() and threading.get_ident() != _server_thread:
        asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
        return
    async_to_sync(layer.group_send)(group, message)
