"""Joining a class (docs/classroom.md, "Classes and joining").

- CLS-07: a learner who joins gets a new sandbox of the class's era, bound to
  the class by a :class:`~classroom.models.Seat` and already at the start of
  the class's current lab (an exam run in exam mode); the browser's session
  now carries it, and keeps the sandbox it had before so "Leave class" goes
  back to it.
- CLS-09: joining again from the same browser returns the same sandbox: the
  session remembers the sandbox of each class it joined.
- CLS-10: a wrong code, a closed class and a full class are told apart from a
  right one, never from each other's past: a code that never existed and the
  code of a deleted class get the same message.
- CLS-11: tries are counted per code and per client address, per minute, in
  the database (every worker sees them); over a limit is a 429.
- CLS-12: a class's sandboxes are made without the address tag, so the
  anonymous new-sandbox limit (SBX-02) doesn't count them, and the prune
  keeps them while their seat exists (registered in classroom.apps).
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from classroom import codes, live
from classroom.models import Class, JoinAttempt, Seat
from labs import catalog
from labs import services as lab_services
from labs.models import LabRun
from portal import changes, lifecycle
from portal.account_menu import Entry as AccountEntry
from portal.lru import LRU
from portal.middleware import SESSION_KEY
from portal.models import Sandbox
from portal.seed import create_sandbox, delete_sandbox

WINDOW = timedelta(minutes=1)
# The session's entries: the sandbox the browser had before it joined a class
# (Leave class goes back to it), and the sandbox of each class it joined.
BEFORE_KEY = "sandbox_before_class"
SEATS_KEY = "class_sandboxes"

WRONG_CODE = "That code doesn't match a class that's open. Check the code your instructor shows and try again."
CLOSED = "This class is closed: it takes no new learners. Ask your instructor for the code of an open class."


def full_message(klass: Class) -> str:
    return f"This class is full ({klass.capacity} of {klass.capacity}). Ask your instructor to raise its capacity."


@dataclass(frozen=True, slots=True)
class TooMany:
    """CLS-11: too many tries; how long to wait (Retry-After)."""

    message: str
    retry_after: int

    @property
    def retry_text(self) -> str:
        seconds = max(1, self.retry_after)
        return f"{seconds} second{'s' if seconds != 1 else ''}"


class Refused(Exception):
    """The class takes no one now (CLS-10): the message for the learner."""


def kept_sandboxes():
    """CLS-12: the sandboxes the prune keeps: every seat's, while its class
    exists (deleting a class deletes its seats, and the prune may then take
    the sandboxes once idle)."""
    return Seat.objects.values("sandbox_id")


# --- CLS-11: rate limits --------------------------------------------------------------


def _address_key(request: HttpRequest) -> str:
    return "addr:" + lifecycle.address_tag(lifecycle.client_address(request))


def _code_key(code: str) -> str:
    return "code:" + code[: codes.LENGTH * 2]


def wait_seconds(key: str, limit: int, now: datetime) -> int | None:
    """Seconds until ``key`` may try again (``limit`` tries a minute), or
    None if it may now. Sign-in's limit counts with it too (CLS-41)."""
    if limit <= 0:
        return None
    recent = list(
        JoinAttempt.objects.filter(key=key, at__gt=now - WINDOW).order_by("-at").values_list("at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return max(1, math.ceil((recent[-1] + WINDOW - now).total_seconds()))


def too_many(request: HttpRequest, code: str, now: datetime) -> TooMany | None:
    """CLS-11: whether this address (its tries that seated no one) or this
    code (every try) is over its limit."""
    wait = wait_seconds(_address_key(request), settings.VNETLAB_JOIN_MISSES_PER_MINUTE, now)
    if wait is not None:
        return TooMany("There were too many tries at joining a class from your network in the last minute.", wait)
    wait = wait_seconds(_code_key(code), settings.VNETLAB_JOINS_PER_MINUTE_PER_CODE, now)
    if wait is not None:
        return TooMany("Many learners are joining this class right now.", wait)
    return None


def count_try(request: HttpRequest, code: str, now: datetime, *, missed: bool) -> None:
    """Count a try at ``code``; one that seated no one counts for the address too."""
    keys = [_code_key(code)]
    if missed:
        keys.append(_address_key(request))
    count(keys, now)


def count(keys: list[str], now: datetime) -> None:
    """One try for each key, now; tries older than the window go."""
    with transaction.atomic():
        JoinAttempt.objects.filter(at__lt=now - WINDOW).delete()
        JoinAttempt.objects.bulk_create([JoinAttempt(key=key, at=now) for key in keys])


# --- CLS-10: which class a code opens --------------------------------------------------


def open_class(code: str) -> Class:
    """The open class with room for one more whose code is ``code`` (as
    typed), or :class:`Refused` with the learner's message."""
    code = codes.normalise(code)
    klass = Class.objects.filter(code=code).first() if codes.looks_valid(code) else None
    if klass is None:
        raise Refused(WRONG_CODE)
    if klass.closed:
        raise Refused(CLOSED)
    if klass.seats.count() >= klass.capacity:
        raise Refused(full_message(klass))
    return klass


# --- CLS-07 and CLS-09: the seat and the session ---------------------------------------


def seat_of(request: HttpRequest, klass: Class) -> Seat | None:
    """CLS-09: the seat this browser already has in ``klass``."""
    secret = request.session.get(SEATS_KEY, {}).get(str(klass.pk))
    if not secret:
        return None
    return Seat.objects.filter(klass=klass, sandbox__secret=secret).select_related("sandbox").first()


def seat_learner(klass: Class, display_name: str) -> Seat:
    """CLS-07: a new sandbox of the class's era at the start of the class's
    current lab, and its seat. Refused (CLS-10) if the class closed or filled
    meanwhile: the class's row is locked while its seats are counted, and
    only then (the sandbox is made and the lab started outside the lock, so
    a room joining at once is not served one learner at a time)."""
    lab_ids = klass.lab_ids or []
    lab = catalog.get(lab_ids[min(klass.current, len(lab_ids) - 1)]) if lab_ids else None
    # CLS-12: no address tag, not counted by SBX-02. Nothing is kept for a
    # new sandbox yet, and its seat is its own state: no other sandbox's
    # generation moves (the join's browser may have no sandbox to charge
    # them to; charged to every sandbox, concurrent joins deadlocked on
    # PostgreSQL and each join bumped every sandbox once per row it wrote).
    # A lab's start replaces the whole estate: the seed would be deployed
    # only to be emptied (most of a join's cost).
    with changes.unnoticed():
        sandbox = create_sandbox(klass.era, seeded=lab is None)
    try:
        with changes.writing_for(sandbox), transaction.atomic():
            klass = Class.objects.select_for_update().filter(pk=klass.pk).first()
            if klass is None:  # deleted meanwhile
                raise Refused(WRONG_CODE)
            if klass.closed:
                raise Refused(CLOSED)
            if klass.seats.count() >= klass.capacity:
                raise Refused(full_message(klass))
            seat = Seat.objects.create(klass=klass, sandbox=sandbox, display_name=display_name)
    except Exception:
        with changes.unnoticed():
            delete_sandbox(sandbox)
        raise
    if lab is not None:
        lab_services.start_lab(sandbox, lab, mode=LabRun.EXAM if klass.exam_mode else LabRun.GUIDED)
        live.mark(sandbox.pk)  # a board that drew the seat before its lab began draws it again
    return seat


def enter(request: HttpRequest, seat: Seat) -> None:
    """The browser now uses the seat's sandbox; the one it had before (not a
    class's) is kept for Leave class."""
    session = request.session
    current = session.get(SESSION_KEY)
    seats = dict(session.get(SEATS_KEY, {}))
    if current and current not in seats.values():
        session[BEFORE_KEY] = current
    seats[str(seat.klass_id)] = str(seat.sandbox.secret)
    session[SEATS_KEY] = seats
    session[SESSION_KEY] = str(seat.sandbox.secret)


def in_class(request: HttpRequest) -> Seat | None:
    """The seat of the sandbox this browser uses now, if it is a class's."""
    secret = request.session.get(SESSION_KEY)
    if not secret or secret not in request.session.get(SEATS_KEY, {}).values():
        return None
    return Seat.objects.filter(sandbox__secret=secret).select_related("klass").first()


def leave(request: HttpRequest) -> None:
    """Leave class: back to the sandbox the browser had before it joined
    (none: the next portal page makes one, SBX-01/02). The seat stays: the
    class keeps the learner's work, and joining again returns to it."""
    session = request.session
    before = session.pop(BEFORE_KEY, None)
    if before and Sandbox.objects.filter(secret=before).exists():
        session[SESSION_KEY] = before
    else:
        session.pop(SESSION_KEY, None)


def seat_of_sandbox(sandbox) -> Seat | None:
    """The seat of ``sandbox`` (a class's sandbox has one), with its class."""
    return Seat.objects.filter(sandbox=sandbox).select_related("klass").first()


def account_entry(request) -> AccountEntry | None:
    """CLS-09: the portal's account menu, for a browser whose sandbox is a
    class's: the class's name, the learner's display name and "Leave class"
    (registered with ``portal.account_menu`` in classroom.apps). Read from
    the sandbox alone (its seat), as the page cache keys pages on it; the
    seat is made inside the sandbox's own writes, so its pages are drawn
    afresh once it exists."""
    seat = _seat_now(request.sandbox)
    if seat is None:
        return None
    return AccountEntry("classroom/_account_class.html", {"seat": seat})


# The seat every page's account menu names, kept per sandbox generation as
# the pages are: a join, a leave and any change to a class (its writes bump
# the generations: portal/changes.py) key it afresh.
_SEATS = LRU(4096)
_NO_SEAT = object()


def _seat_now(sandbox) -> Seat | None:
    generation = sandbox.__dict__.get("generation")
    if generation is None:
        return seat_of_sandbox(sandbox)
    key = (sandbox.pk, sandbox.key, generation)  # the key: a pk may be used again (SQLite)
    seat = _SEATS.get(key)
    if seat is None:
        seat = seat_of_sandbox(sandbox) or _NO_SEAT
        _SEATS.put(key, seat)
    return None if seat is _NO_SEAT else seat


def now() -> datetime:
    return timezone.now()
