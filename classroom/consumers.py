"""The board's WebSocket (CLS-20): the instructor's board is sent each
learner's row again when it changes: a few times a second it asks the
database which seats' rows moved (classroom/live.py) and draws those. It
also joins its class's group, for what the room sends the board.

Refused (closed before it is accepted, code 4403) unless the session's user
is the instructor of the class the URL names: a learner, a visitor or
another instructor never hears a class's rows. Learners' tabs never join a
class's group: nothing on the board is pushed to them."""

import asyncio
import logging
import time

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from classroom import live
from classroom.models import Class

log = logging.getLogger(__name__)

MAX_HELLO_BYTES = 64 * 1024
# How often an open board looks for moved rows: a change reaches the board
# within the lab's regrade (labs/live.py) and this (CLS-20: 1 s at p95).
POLL_SECONDS = 0.2
# How often it counts the minutes without progress (CLS-16): time alone
# raises that flag and moves its minutes, so no learner's change marks it.
IDLE_LOOK_SECONDS = 15.0


class BoardConsumer(AsyncWebsocketConsumer):
    group: str | None = None
    klass: Class | None = None
    greeted = False
    filtered = False
    poller: asyncio.Task | None = None
    # Each seat's row number as this board last drew it (or first saw it).
    seen: dict[int, int] | None = None
    # Each seat's minutes without progress at the last count, and when that was.
    idle: dict[int, int] | None = None
    idle_at = 0.0

    async def connect(self):
        pk = self.scope.get("url_route", {}).get("kwargs", {}).get("pk")
        user = await get_user(self.scope) if self.scope.get("session") is not None else None
        klass = await self._own_class(user, pk) if user is not None else None
        if klass is None:
            await self.close(code=4403)
            return
        self.klass, self.group = klass, klass.group_name
        self.filtered = b"filtered=1" in self.scope.get("query_string", b"")
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.drawing = asyncio.Lock()  # the hello's rows and a look at moved rows, one at a time
        self.poller = asyncio.ensure_future(self._poll())

    async def disconnect(self, code):
        if self.poller is not None:
            self.poller.cancel()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _poll(self):
        while True:
            try:
                async with self.drawing:
                    messages = await database_sync_to_async(self._moved_rows)()
                for message in messages:
                    await self.send(text_data=message)
            except Exception:  # noqa: BLE001 - a failed look (the database away) must not end the board's looking
                log.warning("classroom board %s: looking for moved rows failed", self.klass.pk, exc_info=True)
            await asyncio.sleep(POLL_SECONDS)

    async def receive(self, text_data=None, bytes_data=None):
        """The page's hello on (re)connecting (static/portal/portal.js says
        it on every socket): every row as it is now, so a board that missed
        pushes while it was away shows the truth. Once per connection;
        anything else sent is ignored."""
        if self.group is None or self.greeted or not text_data or len(text_data) > MAX_HELLO_BYTES:
            return
        self.greeted = True
        async with self.drawing:
            rows = await self._rows()
        await self.send(text_data=rows)

    @database_sync_to_async
    def _rows(self) -> str:
        # The numbers first: a row that moves while the rows are drawn is
        # drawn again by the next look.
        self.seen = live.versions(self.klass.pk)
        self.idle, self.idle_at = live.idle_minutes_now(self.klass.pk), time.monotonic()
        return live.render_rows(self.klass)

    def _moved_rows(self) -> list[str]:
        now = live.versions(self.klass.pk)
        if self.seen is None:  # the first look, unless the hello drew every row first
            self.seen = now
            return []
        moved = [pk for pk, version in now.items() if self.seen.get(pk) != version]
        new = set() if self.filtered else {pk for pk in moved if pk not in self.seen}
        self.seen = now
        if time.monotonic() - self.idle_at >= IDLE_LOOK_SECONDS:
            idle = live.idle_minutes_now(self.klass.pk)
            if self.idle is not None:
                moved += [pk for pk in live.idle_moved(self.idle, idle) if pk in now and pk not in moved]
            self.idle, self.idle_at = idle, time.monotonic()
        return live.render_seats(self.klass.pk, moved, new) if moved else []

    @database_sync_to_async
    def _own_class(self, user, pk) -> Class | None:
        if not getattr(user, "is_authenticated", False) or not isinstance(pk, int):
            return None
        return Class.objects.filter(pk=pk, instructor__user=user).first()
