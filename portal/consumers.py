"""One WebSocket per tab: joins its sandbox's group and swaps in the HTML
fragments pushed to it (htmx ws extension, out-of-band swaps)."""

import asyncio
import time
import weakref

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
        await self.channel_layer.group_add(self.sandbox.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.sandbox is not None:
            await self.channel_layer.group_discard(self.sandbox.group_name, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        # The tab only listens; htmx's ws extension may send form data, ignored.
        return

    async def sandbox_push(self, event):
        await self.send(text_data=event["html"])
        operation = event.get("operation")
        if operation:
            finish_later(self.sandbox, operation["id"], operation["ends_at"])

    @database_sync_to_async
    def _sandbox(self, key):
        try:
            return Sandbox.objects.filter(secret=key).first()
        except ValidationError:  # a malformed secret in the cookie is no sandbox
            return None


# Operations this process has a timer for, per event loop. Every tab of a
# sandbox hears about a running operation; one timer per process is enough to
# finish it (the conditional update in complete_due_operations settles races
# between processes).
_pending: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, set[int]]" = weakref.WeakKeyDictionary()
_tasks: set[asyncio.Task] = set()  # strong references while the timers run


def finish_later(sandbox: Sandbox, operation_id: int, ends_at: float) -> None:
    loop = asyncio.get_running_loop()
    pending = _pending.setdefault(loop, set())
    if operation_id in pending:
        return
    pending.add(operation_id)

    async def finish():
        try:
            await asyncio.sleep(max(0.0, ends_at - time.time()) + 0.02)
            await database_sync_to_async(complete_due_operations)(sandbox)
        finally:
            pending.discard(operation_id)

    _tasks.add(task := loop.create_task(finish()))
    task.add_done_callback(_tasks.discard)

