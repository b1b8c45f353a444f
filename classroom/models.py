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
