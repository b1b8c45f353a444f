"""The classroom's writes: today, making an instructor."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from classroom.models import Instructor


def create_instructor(username: str, password: str, email: str = "") -> Instructor:
    """A new user who is an instructor. Raises ``ValidationError`` with the
    reason (a name taken in any letter case, a name or email Django's user
    model refuses, a password the password validators refuse); nothing is
    written then."""
    User = get_user_model()
    username = User.normalize_username(username.strip())
    email = User.objects.normalize_email(email.strip())
    if username and User.objects.filter(username__iexact=username).exists():
        raise ValidationError(f"The name {username!r} is taken: pick another one.")
    user = User(username=username, email=email)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        raise ValidationError(
            [f"{field}: {message}" for field, messages in error.message_dict.items() for message in messages]
        ) from None
    validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            return Instructor.objects.create(user=user)
    except IntegrityError:  # made by someone else since the check above
        raise ValidationError(f"The name {username!r} is taken: pick another one.") from None
