"""What the estate commands share: a sandbox by the key Portal settings shows."""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from portal.models import Sandbox


def sandbox_by_key(key: str) -> Sandbox:
    try:
        return Sandbox.objects.get(key=key)
    except (Sandbox.DoesNotExist, ValidationError):
        raise CommandError(f"No sandbox {key!r}.") from None
