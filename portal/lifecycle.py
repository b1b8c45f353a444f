"""A sandbox's life: who gets a new one, when it was last used, and when it
goes (docs/architecture.md, "Requests"; docs/hosting.md).

- SBX-01: a sandbox is made only for a browser asking for a portal page
  (:func:`asks_for_page`).
- SBX-02: new anonymous sandboxes are counted per client address and hour
  (:func:`refusal`); the count lives in the database (``Sandbox.created_from``,
  a keyed hash of the address), so every worker sees it.
- SBX-03: ``Sandbox.last_used_at`` is written at most once a minute
  (:func:`touch`); a sandbox idle for ``VNETLAB_SANDBOX_IDLE_DAYS`` is deleted
  by ``manage.py prune_sandboxes`` and by the running server
  (:func:`prune_soon`), at most once per ``VNETLAB_PRUNE_EVERY_SECONDS`` among
  all its workers (a :class:`~portal.models.Chore` claimed by a conditional
  UPDATE).
- SBX-04: the cookie carries ``Sandbox.secret``, never the public ID
  (portal.services.new_sandbox_link replaces it).
- SBX-05: at most ``VNETLAB_MAX_SANDBOXES`` sandboxes.

A higher app may make sandboxes of its own (a class's learners, CLS-12):
made with ``create_sandbox`` without a ``created_from`` tag they are not
counted by SBX-02, and one it registers with :func:`keep_sandboxes` is
never pruned as idle.
"""

import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from portal import changes
from portal.models import Chore, Sandbox
from portal.seed import create_sandbox, delete_sandbox

log = logging.getLogger(__name__)

LAST_USED_EVERY = timedelta(minutes=1)
RATE_WINDOW = timedelta(hours=1)
PRUNE_CHORE = "prune_sandboxes"


# --- SBX-01: which requests may make a sandbox --------------------------------------


def no_new_sandbox(view):
    """Mark a view that never makes a sandbox for a visitor without one
    (/ping, a sandbox link): its GET runs without one (``request.sandbox``
    unset); anything else gets the "No sandbox" page."""
    view.creates_no_sandbox = True
    return view


def sandbox_optional(view):
    """Mark a view that runs with the visitor's sandbox or without one, for
    every method, and never makes one: the classroom's pages (an instructor
    signs in and sees their classes whether or not this browser has a
    sandbox; classroom/urls.py)."""
    view.creates_no_sandbox = True
    view.sandbox_optional = True
    return view


def runs_without_sandbox(request, match) -> bool:
    """A request without a sandbox that its view serves as it is: the GET of
    a :func:`no_new_sandbox` view, anything for a :func:`sandbox_optional`
    one."""
    func = match.func
    return getattr(func, "creates_no_sandbox", False) and (
        request.method == "GET" or getattr(func, "sandbox_optional", False)
    )


def asks_for_page(request, match) -> bool:
    """SBX-01: a browser's GET of a portal page. Not HEAD or OPTIONS or a
    form post, not htmx fetching a fragment for a page it already has, not
    a client that doesn't take HTML (a feed reader, an image request), not
    a view marked :func:`no_new_sandbox`, and not a resource's URL (it names
    a subscription of an existing sandbox, never of a new one)."""
    return (
        request.method == "GET"
        and not getattr(request, "htmx", False)
        and request.accepts("text/html")
        and not getattr(match.func, "creates_no_sandbox", False)
        and "subscription_id" not in match.kwargs
    )


# --- SBX-02 and SBX-05: whether a new one may be made -------------------------------


def client_address(request) -> str:
    """REMOTE_ADDR, or behind ``VNETLAB_PROXY_COUNT`` proxies of the host's
    own, the address the outermost of them saw (X-Forwarded-For, counted
    from the right: what a client writes at the left is not to be trusted)."""
    hops = settings.VNETLAB_PROXY_COUNT
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def address_tag(address: str) -> str:
    """What ``Sandbox.created_from`` keeps: a keyed hash of the address (an
    IPv6 address's /64, which one machine may fill), never the address."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        text = address.strip()
    else:
        if ip.version == 6 and ip.ipv4_mapped is not None:
            text = str(ip.ipv4_mapped)
        elif ip.version == 6:
            text = str(ipaddress.ip_network(f"{ip}/64", strict=False))
        else:
            text = str(ip)
    return salted_hmac("vnetlab.sandbox.address", text, algorithm="sha256").hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why no new sandbox now: the page's status, rule, title and text, and
    how long to wait (Retry-After)."""

    status: int
    rule: str
    title: str
    message: str
    retry_after: int

    @property
    def retry_text(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"


def full_refusal() -> Refusal | None:
    """SBX-05 alone: no room for any new sandbox, whoever asks."""
    cap = settings.VNETLAB_MAX_SANDBOXES
    if cap > 0 and Sandbox.objects.count() >= cap:
        every = settings.VNETLAB_PRUNE_EVERY_SECONDS
        return Refusal(
            503,
            "SBX-05",
            "The lab is full",
            f"This lab holds at most {cap} sandboxes and has no room for a new one. "
            "Idle sandboxes are removed regularly; ask the lab's host if this persists.",
            int(every) if every > 0 else 3600,
        )
    return None


def refusal(tag: str, now: datetime) -> Refusal | None:
    full = full_refusal()
    if full is not None:
        return full
    limit = settings.VNETLAB_NEW_SANDBOXES_PER_HOUR
    if limit > 0:
        recent = list(
            Sandbox.objects.filter(created_from=tag, created_at__gt=now - RATE_WINDOW)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:limit]
        )
        if len(recent) >= limit:
            wait = (recent[-1] + RATE_WINDOW - now).total_seconds()
            return Refusal(
                429,
                "SBX-02",
                "Too many new sandboxes",
                f"Your network has started {limit} new sandbox{'es' if limit != 1 else ''} in the last hour, "
                "the most this lab allows. "
                "A browser keeps its sandbox while it keeps its cookie; for a class that shares one "
                "address, ask the lab's host to raise the limit.",
                max(1, math.ceil(wait)),
            )
    return None


def new_sandbox_for(request, now: datetime) -> Sandbox | Refusal:
    tag = address_tag(client_address(request))
    refused = refusal(tag, now)
    if refused is not None:
        return refused
    return create_sandbox(created_from=tag)


# --- SBX-03: last use, expiry and pruning ------------------------------------------


def touch(sandbox_id: int, now: datetime) -> None:
    """Record a use, unless one was recorded within the minute (the
    condition is in the UPDATE, so two workers write it once). Nothing a
    page shows changes: the page cache keeps its copies."""
    with changes.unnoticed():
        Sandbox.objects.filter(pk=sandbox_id, last_used_at__lt=now - LAST_USED_EVERY).update(last_used_at=now)


# Functions that each return a queryset of the pks of sandboxes to keep
# however idle (CLS-12: the classroom's seats); portal imports no app above it.
_keepers: list[Callable] = []


def keep_sandboxes(keeper: Callable) -> Callable:
    """Register ``keeper`` (no arguments; a queryset of Sandbox pks): the
    sandboxes it names are never pruned as idle. Registering twice is once."""
    if keeper not in _keepers:
        _keepers.append(keeper)
    return keeper


def expired(now: datetime, idle_days: float | None = None):
    """Sandboxes no request used for ``idle_days`` (the setting's by
    default), but those a registered keeper keeps."""
    days = settings.VNETLAB_SANDBOX_IDLE_DAYS if idle_days is None else idle_days
    idle = Sandbox.objects.filter(last_used_at__lt=now - timedelta(days=days))
    for keeper in _keepers:
        idle = idle.exclude(pk__in=keeper())
    return idle


@dataclass(frozen=True, slots=True)
class PruneResult:
    total: int
    expired: int
    deleted: int
    failed: int


@changes.unnoticed()
def prune(now: datetime | None = None, *, dry_run: bool = False, idle_days: float | None = None) -> PruneResult:
    """Delete the idle sandboxes, one transaction each; one that a request
    used meanwhile stays, one that can't be deleted is logged and left.
    Other sandboxes' pages and snapshots stay valid (portal/changes.py)."""
    now = now or timezone.now()
    total = Sandbox.objects.count()
    ids = list(expired(now, idle_days).order_by("last_used_at").values_list("pk", flat=True))
    deleted = failed = 0
    if not dry_run:
        for pk in ids:
            try:
                with transaction.atomic():
                    sandbox = expired(now, idle_days).select_for_update().filter(pk=pk).first()
                    if sandbox is None:
                        continue
                    delete_sandbox(sandbox)
                deleted += 1
            except Exception:  # noqa: BLE001 - one bad sandbox must not stop the rest
                log.exception("Could not delete idle sandbox %s", pk)
                failed += 1
    return PruneResult(total=total, expired=len(ids), deleted=deleted, failed=failed)


@changes.unnoticed()
def claim_chore(name: str, now: datetime, every: float) -> bool:
    """True for the one caller (of every worker) whose turn it is."""
    if Chore.objects.filter(name=name, last_run_at__lte=now - timedelta(seconds=every)).update(last_run_at=now):
        return True
    _, created = Chore.objects.get_or_create(name=name, defaults={"last_run_at": now})
    return created


def prune_if_due(now: datetime | None = None) -> PruneResult | None:
    every = settings.VNETLAB_PRUNE_EVERY_SECONDS
    now = now or timezone.now()
    if every <= 0 or not claim_chore(PRUNE_CHORE, now, every):
        return None
    result = prune(now)
    if result.deleted or result.failed:
        log.warning("Pruned %d idle sandboxes (%d could not be deleted)", result.deleted, result.failed)
    return result


_next_check = 0.0
_check_lock = threading.Lock()


def prune_soon() -> None:
    """From a request: at most once a minute per process, look (on a thread
    of its own, off the request's path) whether pruning is due."""
    global _next_check
    if settings.VNETLAB_PRUNE_EVERY_SECONDS <= 0:
        return
    monotonic = time.monotonic()
    if monotonic < _next_check or not _check_lock.acquire(blocking=False):
        return
    try:
        if monotonic < _next_check:
            return
        _next_check = monotonic + min(60.0, settings.VNETLAB_PRUNE_EVERY_SECONDS)
    finally:
        _check_lock.release()
    threading.Thread(target=_prune_thread, name="prune-sandboxes", daemon=True).start()


def _prune_thread() -> None:
    try:
        prune_if_due()
    except Exception:  # noqa: BLE001 - a thread's error would go unseen otherwise
        log.exception("Pruning idle sandboxes failed")
    finally:
        close_old_connections()
        connection.close()
