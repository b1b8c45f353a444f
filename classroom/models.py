"""Who teaches: an instructor is a Django user with an :class:`Instructor`
row. Learners have no account (their sandbox is their identity)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class Instructor(models.Model):
    """A user who may run classes. The row, not a flag or a group, is what
    a class will point at, so "an instructor sees only their own classes"
    is a foreign key to this model. A user without one (an administrator
    made by ``createsuperuser``) is not an instructor and sees no
    classroom page."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="instructor")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self) -> str:
        return self.user.get_username()


class Class(models.Model):
    """A class an instructor runs: its labs in order, the era, exam mode,
    and the short code learners type to join (docs/classroom.md).

    ``current`` indexes ``lab_ids``: the lab the whole room is on ("Start the
    next lab for everyone" moves it). A closed class takes no one new; its
    learners keep their sandboxes until it is deleted."""

    instructor = models.ForeignKey(Instructor, on_delete=models.CASCADE, related_name="classes")
    name = models.CharField(max_length=80)
    era = models.CharField(max_length=10, default="classic")
    lab_ids = models.JSONField(default=list)
    current = models.PositiveSmallIntegerField(default=0)
    exam_mode = models.BooleanField(default=False)
    # CLS-04: the join code, short for typing from a projector
    # (classroom/codes.py); unique among all classes, open or closed.
    code = models.CharField(max_length=12, unique=True)
    capacity = models.PositiveSmallIntegerField(default=300)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "classes"

    def __str__(self) -> str:
        return self.name

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def group_name(self) -> str:
        """The Channels group the class's board joins."""
        return f"class-{self.pk}"


class Seat(models.Model):
    """A learner in a class: the display name they typed and the sandbox the
    class gave them. The sandbox is the learner's identity (no account); it
    belongs to one class at most. Deleting the class deletes the seat, never
    the sandbox: a learner's work outlives the class's row."""

    klass = models.ForeignKey(Class, on_delete=models.CASCADE, related_name="seats")
    sandbox = models.OneToOneField("portal.Sandbox", on_delete=models.CASCADE, related_name="seat")
    display_name = models.CharField(max_length=64)
    joined_at = models.DateTimeField(auto_now_add=True)
    # Moves when the learner's board row may have changed (a regrade, an
    # action): an open board draws the rows whose number moved (CLS-20,
    # classroom/live.py), so a learner's change renders nothing itself.
    row_version = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["display_name", "pk"]
        indexes = [models.Index(fields=["klass", "joined_at"])]

    def __str__(self) -> str:
        return f"{self.display_name} in {self.klass}"


class ClassEvent(models.Model):
    """What happened to a class, newest first: every action of the board
    (start the next lab, push a scenario, reset, announce, close) with who did
    it, and the announcements learners' tabs show (CLS-08: logged)."""

    klass = models.ForeignKey(Class, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=40)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["klass", "action", "at"])]

    def __str__(self) -> str:
        return f"{self.action} in {self.klass}"


class JoinAttempt(models.Model):
    """One try at joining, for the join rate limits (CLS-11): ``key`` is
    ``code:<code>`` or ``addr:<keyed hash of the address>`` (never the
    address). In the database so every worker counts the same tries; rows
    older than the window are deleted as new ones come."""

    key = models.CharField(max_length=48)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key", "at"])]

    def __str__(self) -> str:
        return f"{self.key} at {self.at:%H:%M:%S}"


class RoomJob(models.Model):
    """An action over every seat of a class (start the next lab, push a
    scenario, reset everyone, announce), run off the instructor's request
    and reported as it goes, as the portal's notifications report a long
    operation ("Resetting 300 sandboxes...", then "Reset 298 of 300
    sandboxes; 2 failed: ...").

    One per class at a time (CLS-28): the constraint admits one unfinished
    job per class. A job whose worker died (a server restart) stops beating
    (``beat_at``); past ``classroom.room.STALLED_AFTER`` it is shown as
    interrupted and the next action finishes it as such. ``failed`` holds
    ``[display name, reason]`` pairs, one per seat that failed."""

    NEXT_LAB, SCENARIO, RESET, ANNOUNCE = "next_lab", "scenario", "reset", "announce"

    klass = models.ForeignKey(Class, on_delete=models.CASCADE, related_name="jobs")
    action = models.CharField(max_length=20)
    actor = models.CharField(max_length=150)
    # What the job is about: the lab ("nsg-deny-integration (lab 2 of 2)") or the announcement.
    subject = models.CharField(max_length=300, blank=True)
    event = models.ForeignKey(ClassEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.JSONField(default=list)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    interrupted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["klass", "started_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["klass"], condition=models.Q(finished_at__isnull=True), name="classroom_one_running_job"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} in {self.klass_id} ({self.reached} of {self.total})"

    # A job that has not moved for this long has lost its worker (CLS-28):
    # one seat takes seconds (docs/classroom.md, "How long it takes").
    STALLED_AFTER = timedelta(minutes=2)
    # (while it runs, once done, what each seat is)
    WORDS = {
        NEXT_LAB: ("Starting the next lab in", "Started the next lab in", "sandbox"),
        SCENARIO: ("Pushing the scenario to", "Pushed the scenario to", "sandbox"),
        RESET: ("Resetting", "Reset", "sandbox"),
        ANNOUNCE: ("Announcing to", "Announced to", "learner"),
    }
    FAILURES_NAMED = 5

    @property
    def reached(self) -> int:
        """Seats done or failed so far."""
        return self.done + len(self.failed)

    def stalled(self, now=None) -> bool:
        return self.finished_at is None and self.beat_at < (now or timezone.now()) - self.STALLED_AFTER

    @property
    def state(self) -> str:
        """running, done, or interrupted (finished as such, or stalled)."""
        if self.interrupted or self.stalled():
            return "interrupted"
        return "running" if self.finished_at is None else "done"

    @property
    def running(self) -> bool:
        return self.state == "running"

    def _noun(self, count: int) -> str:
        noun = self.WORDS[self.action][2]
        return noun if count == 1 else ("sandboxes" if noun == "sandbox" else f"{noun}s")

    @property
    def title(self) -> str:
        """What the job is doing ("Resetting 300 sandboxes...")."""
        return f"{self.WORDS[self.action][0]} {self.total} {self._noun(self.total)}..."

    @property
    def failures(self) -> str:
        """The first failures by name, and how many more (CLS-28)."""
        named = ", ".join(f"{name} ({reason})" for name, reason in self.failed[: self.FAILURES_NAMED])
        more = len(self.failed) - self.FAILURES_NAMED
        return named + (f" and {more} more" if more > 0 else "")

    @property
    def message(self) -> str:
        """The outcome as the portal's notification words it."""
        doing, past, _ = self.WORDS[self.action]
        failed = f" {len(self.failed)} failed: {self.failures}." if self.failed else ""
        state = self.state
        if state == "running":
            return f"{self.title} {self.reached} of {self.total} so far."
        if state == "interrupted":
            since = timezone.localtime(self.beat_at).strftime("%H:%M:%S")
            return (
                f"Interrupted: {doing.lower()} {self.total} {self._noun(self.total)} stopped after "
                f"{self.reached} (no progress since {since}; the server may have restarted). "
                f"The other {self.total - self.reached} were not reached: run the action again.{failed}"
            )
        if not self.total:
            return f"{past} 0 {self._noun(0)}: the class has no learners yet."
        text = f"{past} {self.done} of {self.total} {self._noun(self.total)}"
        return f"{text};{failed[:-1]}." if self.failed else f"{text}."

    @property
    def level(self) -> str:
        state = self.state
        if state == "running":
            return "info"
        if state == "interrupted" or (self.failed and not self.done):
            return "error"
        return "warning" if self.failed else "success"

    @property
    def percent(self) -> int:
        return round(100 * self.reached / self.total) if self.total else 100
