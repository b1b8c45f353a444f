"""The board's WebSocket (CLS-20): the instructor's board joins its class's
group and swaps in each learner's row as it changes (classroom/live.py).

Refused (closed before it is accepted, code 4403) unless the session's user
is the instructor of the class the URL names: a learner, a visitor or
another instructor never hears a class's rows. Learners' tabs never join a
class's group: nothing on the board is pushed to them."""

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from classroom import live
from classroom.models import Class

MAX_HELLO_BYTES = 64 * 1024


class BoardConsumer(AsyncWebsocketConsumer):
    group: str | None = None
    klass: Class | None = None
    greeted = False

    async def connect(self):
        pk = self.scope.get("url_route", {}).get("kwargs", {}).get("pk")
        user = await get_user(self.scope) if self.scope.get("session") is not None else None
        klass = await self._own_class(user, pk) if user is not None else None
        if klass is None:
            await self.close(code=4403)
            return
        self.klass, self.group = klass, klass.group_name
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """The page's hello on (re)connecting (static/portal/portal.js says
        it on every socket): every row as it is now, so a board that missed
        pushes while it was away shows the truth. Once per connection;
        anything else sent is ignored."""
        if self.group is None or self.greeted or not text_data or len(text_data) > MAX_HELLO_BYTES:
            return
        self.greeted = True
        await self.send(text_data=await self._rows())

    async def board_row(self, event):
        await self.send(text_data=event["html"])

    @database_sync_to_async
    def _rows(self) -> str:
        return live.render_rows(self.klass)

    @database_sync_to_async
    def _own_class(self, user, pk) -> Class | None:
        if not getattr(user, "is_authenticated", False) or not isinstance(pk, int):
            return None
        return Class.objects.filter(pk=pk, instructor__user=user).first()
