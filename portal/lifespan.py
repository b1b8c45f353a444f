"""The ASGI lifespan: what the server does as it starts and stops.

At the start, every operation whose end came while no server ran is
finished (its notification, Activity log row and push), and every one still
running gets a timer on this process's event loop (portal/live.py), so the
server finishes it at its end with no tab open and no page asked for. Each
worker of ``make serve`` does the same; the operations' conditional update
lets exactly one of them finish each.

Then what the process has loaded (Django, the apps, their modules, ~150,000
objects) is moved out of the cyclic garbage collector's reach
(``gc.freeze``): it stays for the process's life, and each full collection
walked all of it. A troubleshooter request at 100 times the seed's size
spent about 20 ms of its time in those collections, 3 ms after the freeze
(docs/benchmarks.md).
"""

import gc
import logging

from channels.db import database_sync_to_async
from django.db import DatabaseError

from portal import live, services

log = logging.getLogger(__name__)


async def lifespan(scope, receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            live.remember_server_loop()
            try:
                finished = await database_sync_to_async(services.resume_operations)()
            except DatabaseError as exc:
                # An unmigrated or unreachable database: one line, not a
                # traceback; pages will say the same louder.
                log.error("Resuming the operations at startup failed: %s (has `make setup` run?)", exc)
            except Exception:  # noqa: BLE001 - the server still serves; a page finishes what is due
                log.exception("Resuming the operations at startup failed")
            else:
                if finished:
                    log.info("Finished %d operation(s) that ended while the server was down", finished)
            freeze_loaded_objects()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            live.cancel_timers()
            await send({"type": "lifespan.shutdown.complete"})
            return


def freeze_loaded_objects() -> int:
    """Collect once, then leave every object alive now out of the cyclic
    collector's passes; how many that is."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
