"""A learner's runs of labs: the values drawn for them, the hints they
took, and the last grade. A run belongs to one sandbox and is seen by no
other (DESIGN: Tenancy)."""

from django.db import models
from django.utils import timezone

from portal.models import Sandbox


class LabRun(models.Model):
    """One attempt at one lab in one sandbox. The sandbox's active run is its
    newest unfinished one; starting another lab finishes it (abandoned)."""

    GUIDED, EXAM = "guided", "exam"
    MODES = [(GUIDED, "Guided"), (EXAM, "Exam")]

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="lab_runs")
    lab_id = models.CharField(max_length=63)
    mode = models.CharField(max_length=10, choices=MODES, default=GUIDED)
    # The learner's own values of the lab's parameters (labs/params.py).
    params = models.JSONField(default=dict)
    # "task-hint" indexes of the hints shown ("0-0", "1-0"...).
    hints = models.JSONField(default=list)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last grade: points earned by the checks (before hint costs), the
    # ids of the checks that passed, and when.
    points = models.PositiveIntegerField(default=0)
    passed = models.JSONField(default=list)
    # What each failed check found, by check id (the panel shows it between
    # two grades without running the checks again).
    found = models.JSONField(default=dict)
    graded_at = models.DateTimeField(null=True, blank=True)
    abandoned = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["sandbox", "finished_at"])]
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.lab_id} in {self.sandbox}"

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


# --- Exam mode (issue #11, item 6) ----------------------------------------------------------------


class Exam(models.Model):
    """A timed set of labs drawn from the catalog by objective, run one after
    another in exam mode (no hints, annotations off: LAB-03) and graded at
    the end. ``runs`` are the LabRun pks of the labs reached so far, in the
    order of ``lab_ids``; ``current`` indexes both."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="exams")
    exam = models.CharField(max_length=10)
    skill = models.CharField(max_length=120, blank=True)
    lab_ids = models.JSONField(default=list)
    runs = models.JSONField(default=list)
    current = models.PositiveSmallIntegerField(default=0)
    current_run = models.ForeignKey(LabRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    seconds = models.PositiveIntegerField()
    minutes = models.PositiveSmallIntegerField()
    seed = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    timed_out = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["sandbox", "finished_at"])]
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.exam} exam in {self.sandbox}"

    @property
    def finished(self) -> bool:
        return self.finished_at is not None
