"""The classroom's writes: instructors, classes and the log of what the
board did. Every write from a page or a command goes through here."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from classroom import codes
from classroom.models import Class, ClassEvent, Instructor


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


def create_class(
    instructor: Instructor,
    name: str,
    *,
    lab_ids: list[str],
    era: str = "classic",
    exam_mode: bool = False,
    capacity: int = 300,
) -> Class:
    """A new open class with a fresh join code (CLS-04). The caller's form has
    checked the name, the labs (from the catalog) and the era."""
    for _ in range(20):
        try:
            with transaction.atomic():
                return Class.objects.create(
                    instructor=instructor,
                    name=name,
                    lab_ids=list(lab_ids),
                    era=era,
                    exam_mode=exam_mode,
                    capacity=capacity,
                    code=codes.new_code(),
                )
        except IntegrityError:  # the code was taken: draw another
            continue
    raise RuntimeError("no free join code after 20 draws")


def class_of(instructor: Instructor, pk: int) -> Class:
    """The instructor's own class, or the portal's 404 (CLS-08: an instructor
    sees only their own classes)."""
    klass = Class.objects.filter(instructor=instructor, pk=pk).first()
    if klass is None:
        raise Http404()
    return klass


def log_event(klass: Class, actor: str, action: str, detail: str = "") -> ClassEvent:
    """Record an action of the board (CLS-08)."""
    return ClassEvent.objects.create(klass=klass, actor=actor[:150], action=action, detail=detail[:500])
