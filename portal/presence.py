"""Which sandboxes have a tab open, across every worker process (issue #12).

A push (the bell, a toast, the badges, the lab panel) costs a render and
several queries; a class has many sandboxes whose learner has closed the
tab, or never had one open (a script, the benchmark). So a push is rendered
and sent only when :func:`watched` says a tab of the sandbox is open now.

The record is a table, ``portal.OpenTab``, one row per open socket, because
``make serve``'s workers share nothing but the database and Redis: a write
served by one worker must know of a tab held by another.

- The consumer inserts its row (:func:`opened`) before it accepts the
  socket, and deletes it (:func:`closed`) when the socket closes.
- While the socket lives, the consumer stamps the row every
  ``HEARTBEAT_SECONDS`` (:func:`seen`, from a task on the worker's event
  loop). A worker killed with its sockets open stamps nothing more, so its
  rows stop counting once ``STALE_AFTER`` (two and a half heartbeats) has
  passed; they are deleted by the next socket opened in any worker, at most
  once per heartbeat period per process (:func:`prune_soon`).
- A push asks :func:`watched` after its transaction committed: one query on
  the (sandbox, seen_at) index.

A tab that opens while a push is skipped misses nothing: its row goes in
after the write committed (the check runs after the commit and saw no row),
and its hello, sent after that, gets the state as it is now
(``services.render_state``). A tab whose row is stale but whose socket still
lives (its worker's loop stalled) gets pushes again at its next stamp, and
its state at its next reconnect.

These writes are bookkeeping, not sandbox state: they bump no page-cache
generation (``changes.unnoticed``).
"""

import time
from datetime import timedelta

from django.db import IntegrityError
from django.utils import timezone

from portal import changes
from portal.models import OpenTab

HEARTBEAT_SECONDS = 30.0
STALE_AFTER = timedelta(seconds=2.5 * HEARTBEAT_SECONDS)

_next_prune = 0.0  # time.monotonic() of this process's next prune


def watched(sandbox_pk: int) -> bool:
    """Whether a tab of the sandbox is open now, in any worker."""
    return OpenTab.objects.filter(sandbox_id=sandbox_pk, seen_at__gt=timezone.now() - STALE_AFTER).exists()


def opened(channel_name: str, sandbox_pk: int) -> bool:
    """A socket of the sandbox opened; False if the sandbox is gone."""
    prune_soon()
    with changes.unnoticed():
        try:
            OpenTab.objects.create(channel_name=channel_name, sandbox_id=sandbox_pk, seen_at=timezone.now())
        except IntegrityError:  # deleted (pruned, reset by another tab) since it was looked up
            return False
    return True


def seen(channel_name: str, sandbox_pk: int) -> None:
    """The socket still lives: stamp its row, or put it back if a prune took
    it while the worker's loop was too busy to stamp it."""
    with changes.unnoticed():
        if not OpenTab.objects.filter(channel_name=channel_name).update(seen_at=timezone.now()):
            opened(channel_name, sandbox_pk)


def closed(channel_name: str) -> None:
    with changes.unnoticed():
        OpenTab.objects.filter(channel_name=channel_name).delete()


def prune_soon() -> None:
    """Delete the rows nobody stamped for ``STALE_AFTER`` (their worker
    died), at most once per heartbeat period in this process."""
    global _next_prune
    now = time.monotonic()
    if now < _next_prune:
        return
    _next_prune = now + HEARTBEAT_SECONDS
    with changes.unnoticed():
        OpenTab.objects.filter(seen_at__lte=timezone.now() - STALE_AFTER).delete()
