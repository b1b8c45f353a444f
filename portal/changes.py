"""Which sandbox a write changed, and its generation (issue #12).

``Sandbox.generation`` is a counter in the database that goes up after every
write to the sandbox's state. What is kept per sandbox state -- rendered
pages (portal/pagecache.py) and the network's snapshot
(networking/snapshot.py ``current``) -- is keyed on it, so a write in one
sandbox leaves every other sandbox's copies valid, and every worker sees a
write the moment its transaction is over.

How a write is noticed: an execute wrapper on every connection sees each
INSERT, UPDATE or DELETE and charges it to the thread's **scope**, the
sandbox the code at hand writes for:

- a request's sandbox (portal.middleware.SandboxMiddleware);
- what :func:`writing_for` names around work outside a request: finishing
  due operations, a lab's start and grading, an estate's deployment;
- none: then the write is charged to every sandbox (a test's write between
  two requests, a shell, a command that names none). A running server makes
  no such write: its chores name their sandbox or are :func:`unnoticed`.

The generation goes up (:func:`flush`) in the writer's own transaction, so
it is seen exactly when the write is: once per request, at its end; right
after the statement outside a request (a chore writes a few rows). A thread
that reads a generation to key a copy (:func:`state`) flushes its own
pending writes first, so it never keys new state on an old generation.
Readers read the generation before the data, so a copy is never older than
its key.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, wraps

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, pre_migrate

# A write and its table: Django's own tables (migrations, sessions, content
# types, users) hold no sandbox's state, nor do the tables apps name with
# :func:`not_state`.
_WRITE = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+[\"`]?(\w+)", re.IGNORECASE)
_NOT_STATE: tuple[str, ...] = ("django_", "auth_")
EVERY = "*"  # the scope of a write no sandbox was named for

_local = threading.local()


def _get(name: str, default):
    return getattr(_local, name, default)


def _dirty() -> set:
    dirty = getattr(_local, "dirty", None)
    if dirty is None:
        dirty = _local.dirty = set()
    return dirty


# --- Noticing writes -------------------------------------------------------------


def _dirty_estate() -> set:
    dirty = getattr(_local, "dirty_estate", None)
    if dirty is None:
        dirty = _local.dirty_estate = set()
    return dirty


def _note(table: str) -> None:
    _local.wrote = True
    scope = _get("scope", None)
    _dirty().add(EVERY if scope is None else scope)
    if not table.startswith(_NOT_ESTATE):
        _dirty_estate().add(EVERY if scope is None else scope)
    if not _get("in_request", False):
        flush()


def _watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    # Only a statement that ran changed anything; after one that failed,
    # PostgreSQL refuses every statement until the transaction rolls back
    # (the bump would hide the failure's own error).
    if not _get("quiet", False) and not _migrating:
        write = _WRITE.match(sql)
        if write is not None and not write.group(1).startswith(_NOT_STATE):
            _note(write.group(1))
    return result


def install(sender=None, connection=None, **kwargs) -> None:
    """Watch a new database connection's writes (the connection_created signal)."""
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


connection_created.connect(install, dispatch_uid="vnetlab-changes-watch")

# Migrations write while the tables are half made: nothing is kept then.
_migrating = False


def _migration(sender=None, **kwargs) -> None:
    global _migrating
    _migrating = kwargs.get("signal") is pre_migrate


pre_migrate.connect(_migration, dispatch_uid="vnetlab-changes-pre-migrate")
post_migrate.connect(_migration, dispatch_uid="vnetlab-changes-post-migrate")


def not_state(*tables: str) -> None:
    """Declare tables (or table-name prefixes) whose rows no sandbox's kept
    copies depend on: an instructor's log of the board's actions, join
    tries. Their writes then bump no sandbox, wherever they are made (a
    classroom page in a browser without a sandbox would otherwise charge
    them to every sandbox)."""
    global _NOT_STATE
    _NOT_STATE = tuple(dict.fromkeys((*_NOT_STATE, *tables)))


def not_estate(*tables: str) -> None:
    """Declare tables (or prefixes) that hold a sandbox's state but not its
    estate: what its pages show beside the resources (operations,
    notifications, the Activity log, a lab's runs, a class's seats). Their
    writes move the sandbox's ``generation`` (its pages) and not its
    ``estate_generation``, on which what is read from the resources alone is
    kept: the network's snapshot (networking/snapshot.py). A restart's end
    writes only such rows, so the lab's regrade after it traces on the
    snapshot it already has."""
    global _NOT_ESTATE
    _NOT_ESTATE = tuple(dict.fromkeys((*_NOT_ESTATE, *tables)))


_NOT_ESTATE: tuple[str, ...] = ()


@contextmanager
def unnoticed() -> Iterator[None]:
    """Writes that change nothing kept per sandbox state (a sandbox's last
    use, a new sandbox nothing was kept for yet, pruning)."""
    before = _get("quiet", False)
    _local.quiet = True
    try:
        yield
    finally:
        _local.quiet = before


@contextmanager
def writing_for(sandbox_or_pk) -> Iterator[None]:
    """Charge the writes inside to this sandbox (a Sandbox or its pk)."""
    pk = getattr(sandbox_or_pk, "pk", sandbox_or_pk)
    before = _get("scope", None)
    _local.scope = pk
    try:
        yield
    finally:
        _local.scope = before


def for_sandbox(func):
    """Charge the writes of ``func(sandbox, ...)`` to its first argument's
    sandbox, wherever it is called from."""

    @wraps(func)
    def wrapper(sandbox, *args, **kwargs):
        with writing_for(sandbox):
            return func(sandbox, *args, **kwargs)

    return wrapper


# --- Bumping generations ---------------------------------------------------------


@cache
def _sql() -> dict[str, str]:
    from portal.models import Sandbox

    q = connection.ops.quote_name
    table, generation, estate, pk = (
        q(Sandbox._meta.db_table),
        q("generation"),
        q("estate_generation"),
        q("id"),
    )
    return {
        "all": f"UPDATE {table} SET {generation} = {generation} + 1",
        "all_estate": f"UPDATE {table} SET {generation} = {generation} + 1, {estate} = {estate} + 1",
        "some": f"UPDATE {table} SET {generation} = {generation} + 1 WHERE {pk} IN ",
        "some_estate": f"UPDATE {table} SET {generation} = {generation} + 1, {estate} = {estate} + 1 WHERE {pk} IN ",
        "estate_only": f"UPDATE {table} SET {estate} = {estate} + 1 WHERE {pk} IN ",
        "state": f"SELECT {q('key')}, {generation} FROM {table} WHERE {pk} = %s",
        "estate": f"SELECT {q('key')}, {estate} FROM {table} WHERE {pk} = %s",
    }


def _in(pks: list) -> str:
    return "(" + ", ".join(["%s"] * len(pks)) + ")"


def flush() -> None:
    """Bump the generation of every sandbox this thread wrote to since the
    last flush (every sandbox, for a write no sandbox was named for), and
    the estate generation of those whose estate it wrote to."""
    dirty, dirty_estate = _dirty(), _dirty_estate()
    if not dirty:
        return
    pks = sorted(pk for pk in dirty if pk != EVERY)
    estate_pks = sorted(pk for pk in dirty_estate if pk != EVERY)
    others = [pk for pk in pks if pk not in dirty_estate]
    everything, every_estate = EVERY in dirty, EVERY in dirty_estate
    dirty.clear()
    dirty_estate.clear()
    sql = _sql()
    before = _get("quiet", False)
    _local.quiet = True
    try:
        with connection.cursor() as cursor:
            if everything:
                cursor.execute(sql["all_estate"] if every_estate else sql["all"])
                if estate_pks and not every_estate:
                    cursor.execute(sql["estate_only"] + _in(estate_pks), estate_pks)
                return
            if estate_pks:
                cursor.execute(sql["some_estate"] + _in(estate_pks), estate_pks)
            if others:
                cursor.execute(sql["some"] + _in(others), others)
    finally:
        _local.quiet = before


def bump(sandbox_or_pk) -> None:
    """Every copy of the sandbox's state is stale now, in every worker."""
    _dirty().add(getattr(sandbox_or_pk, "pk", sandbox_or_pk))
    flush()


def state(sandbox_or_pk) -> tuple | None:
    """(key, generation): what a copy of the sandbox's state is kept under,
    with this thread's own writes counted; None if the sandbox is gone."""
    return _read(sandbox_or_pk, "state")


def estate(sandbox_or_pk) -> tuple | None:
    """(key, estate generation): what a copy of what is read from the
    sandbox's resources alone is kept under (see :func:`not_estate`), with
    this thread's own writes counted; None if the sandbox is gone."""
    return _read(sandbox_or_pk, "estate")


def _read(sandbox_or_pk, which: str) -> tuple | None:
    flush()
    pk = getattr(sandbox_or_pk, "pk", sandbox_or_pk)
    with connection.cursor() as cursor:
        cursor.execute(_sql()[which], [pk])
        row = cursor.fetchone()
    return (str(row[0]), int(row[1])) if row is not None else None


# --- A request's writes ----------------------------------------------------------


def request_started(sandbox) -> None:
    """From the middleware, once the request's sandbox is known: its writes
    are the sandbox's, counted from now."""
    _local.scope = sandbox.pk
    _local.in_request = True
    _local.wrote = False


def request_finished() -> bool:
    """The request is over: its writes bump the generation now (unless its
    transaction did already). True if it wrote anything."""
    try:
        flush()
    finally:
        _local.scope = None
        _local.in_request = False
    return _get("wrote", False)


def request_wrote() -> bool:
    return _get("wrote", False)
