"""One WebSocket per tab: joins its sandbox's group and swaps in the HTML
fragments pushed to it (htmx ws extension, out-of-band swaps)."""

import asyncio
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import ValidationError

from portal.middleware import SESSION_KEY
from portal.models import Sandbox
from portal.services import complete_due_operations


class SandboxConsumer(AsyncWebsocketConsumer):
    sandbox: Sandbox | None = None

    async def connect(self):
        session = self.scope.get("session")
        key = session.get(SESSION_KEY) if session is not None else None
        self.sandbox = await self._sandbox(key) if key else None
        if self.sandbox is None:
            # No sandbox in the session: nothing to join (DESIGN: Tenancy).
            await self.close(code=4403)
            return
        self.timers: set[asyncio.Task] = set()
        await self.channel_layer.group_add(self.sandbox.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for task in getattr(self, "timers", ()):
            task.cancel()
        if self.sandbox is not None:
            await self.channel_layer.group_discard(self.sandbox.group_name, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        # The tab only listens; htmx's ws extension may send form data, ignored.
        return

    async def sandbox_push(self, event):
        await self.send(text_data=event["html"])
        operation = event.get("operation")
        if operation:
            self._finish_later(operation["ends_at"])

    def _finish_later(self, ends_at: float) -> None:
        """When a running operation's time is up, try to finish it. Every open
        tab tries; the conditional update lets exactly one win and push."""
        task = asyncio.ensure_future(self._finish_at(ends_at))
        self.timers.add(task)
        task.add_done_callback(self.timers.discard)

    async def _finish_at(self, ends_at: float) -> None:
        await asyncio.sleep(max(0.0, ends_at - time.time()) + 0.02)
        await database_sync_to_async(complete_due_operations)(self.sandbox)

    @database_sync_to_async
    def _sandbox(self, key):
        try:
            return Sandbox.objects.filter(key=key).first()
        except ValidationError:  # a malformed key in the cookie is no sandbox
            return None
