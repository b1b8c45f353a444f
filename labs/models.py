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
