"""Who teaches: an instructor is a Django user with an :class:`Instructor`
row. Learners have no account (their sandbox is their identity)."""

from django.conf import settings
from django.db import models


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
