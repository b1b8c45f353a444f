"""Sending to the sandbox groups, and timers, from synchronous code.

Views run in a worker thread under the ASGI server. ``async_to_sync`` there
would nest an event-loop hop inside asgiref's WSGI adapter, which leaves the
adapter's executor broken for the next request; instead a push is handed to
the server's event loop, fire-and-forget, which is also all an after-commit
broadcast needs. Outside a server (tests, the shell) it falls back to
``async_to_sync``.

Timers (:func:`run_at`) live on the same loop: the server finishes a
long-running operation at its end whether or not a tab is open.
"""

import asyncio
import contextvars
import logging
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

log = logging.getLogger(__name__)

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


# --- Chores -------------------------------------------------------------------
# The server's own database work off any request (an operation finished at its
# end, a lab regraded after a change) runs on a pool of its own. Channels'
# default would run it on asgiref's one thread for "thread-sensitive" calls,
# which every socket of the process shares: a class's regrades queued there
# behind each other and behind the tabs' heartbeats, and the board showed a
# learner's change a minute late (docs/benchmarks.md). Each thread keeps its
# database connection (CONN_MAX_AGE) as the HTTP threads do.

_chores: ThreadPoolExecutor | None = None


def chore(func: Callable[..., object]) -> Callable[..., Awaitable[object]]:
    """``func`` as a coroutine function run on the chore pool
    (VNETLAB_CHORE_THREADS threads), with Channels' care for database
    connections around each call."""
    global _chores
    if _chores is None:
        _chores = ThreadPoolExecutor(settings.VNETLAB_CHORE_THREADS, thread_name_prefix="vnetlab-chore")
    return database_sync_to_async(func, thread_sensitive=False, executor=_chores)


# --- Timers -------------------------------------------------------------------
# One timer per key and event loop: every tab of a sandbox hears about a
# running operation, and the process that started it schedules it too; one
# timer per process is enough (what it runs must be safe to run in several
# processes at once: the operations' conditional update settles that).

_timers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, asyncio.Task]]" = (
    weakref.WeakKeyDictionary()
)
# A little after the due time, so the database's clock agrees it is due.
TIMER_SLACK_SECONDS = 0.02


def run_at(when: float, key: Hashable, func: Callable[..., object], *args) -> bool:
    """Run ``func(*args)`` (synchronous, on a worker thread) at ``when``
    (seconds since the epoch) on this process's server loop, once per
    ``key``. From any thread. False when this process serves no loop (the
    shell, most tests): a page load or the next server start does the work."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = server_loop()
        if loop is None:
            return False
        loop.call_soon_threadsafe(_start_timer, loop, when, key, func, args)
        return True
    _start_timer(loop, when, key, func, args)
    return True


def _start_timer(loop, when, key, func, args) -> None:
    timers = _timers.setdefault(loop, {})
    if key in timers:
        return

    async def fire():
        try:
            await asyncio.sleep(max(0.0, when - time.time()) + TIMER_SLACK_SECONDS)
            await chore(func)(*args)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a timer's error would go unseen otherwise
            log.exception("A timer (%s) failed", key)
        finally:
            timers.pop(key, None)

    # A context of its own: the caller's (a request's, a consumer's) would
    # make asgiref refuse the timer's database call as a nested one.
    timers[key] = loop.create_task(fire(), context=contextvars.Context())


# --- Background tasks -----------------------------------------------------------
# Other work the server starts on its loop outside any request (a lab's
# regrade after a pause), kept here so the loop holds a reference and
# settle() can wait for it.

_background: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, set[asyncio.Task]]" = weakref.WeakKeyDictionary()


def background(loop: asyncio.AbstractEventLoop, coro: Awaitable[object]) -> None:
    """Run ``coro`` as a task on ``loop`` (the caller is on it), in a context
    of its own (see _start_timer)."""
    tasks = _background.setdefault(loop, set())
    task = loop.create_task(coro, context=contextvars.Context())
    tasks.add(task)
    task.add_done_callback(tasks.discard)


def settle(timeout: float = 10.0) -> None:
    """From a thread other than the server's (a test's teardown): wait up to
    ``timeout`` seconds for the server loop's timers and background tasks,
    and the chores they run, to end; timers still waiting then (a long
    operation's) are cancelled. Nothing of the server's own then writes to
    the database while a test empties it."""
    loop = _server_loop
    if loop is None or not loop.is_running() or threading.get_ident() == _server_thread:
        return

    async def wait() -> None:
        pending = set(_timers.get(loop, {}).values()) | _background.get(loop, set())
        if pending:
            _done, pending = await asyncio.wait(pending, timeout=timeout)
        for task in pending:
            task.cancel()

    asyncio.run_coroutine_threadsafe(wait(), loop).result(timeout + 5)


def timer_keys() -> set[Hashable]:
    """The keys of the timers waiting on the running loop."""
    return set(_timers.get(asyncio.get_running_loop(), {}))


def cancel_timers() -> None:
    """At shutdown: the running loop's timers go (their work is left to the
    next start, which finishes what fell due meanwhile)."""
    for task in _timers.pop(asyncio.get_running_loop(), {}).values():
        task.cancel()
