"""The board's WebSocket (CLS-20): the instructor's board joins its class's
group and swaps in each learner's row as it changes (classroom/live.py).

Refused (closed before it is accepted, code 4403) unless the session's user
is the instructor of the class the URL names: a learner, a visitor or
another instructor never hears a class's rows. Learners' tabs never join a
class's group: nothing on the board is pushed to them."""

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from classroom.models import Class


class BoardConsumer(AsyncWebsocketConsumer):
    group: str | None = None

    async def connect(self):
        pk = self.scope.get("url_route", {}).get("kwargs", {}).get("pk")
        user = await get_user(self.scope) if self.scope.get("session") is not None else None
        klass = await self._own_class(user, pk) if user is not None else None
        if klass is None:
            await self.close(code=4403)
            return
        self.group = klass.group_name
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Nothing a board sends changes anything (the portal's script says
        hello on every socket: ignored)."""

    async def board_row(self, event):
        await self.send(text_data=event["html"])

    @database_sync_to_async
    def _own_class(self, user, pk) -> Class | None:
        if not getattr(user, "is_authenticated", False) or not isinstance(pk, int):
            return None
        return Class.objects.filter(pk=pk, instructor__user=user).first()
