"""The sign-in form: Django's, with Microsoft's words and a cap on the
password's length (issue #12: a clear message, never a 500, for any input)."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

# Longer than any password a person types; it keeps a posted megabyte away
# from the password hasher.
PASSWORD_MAX_LENGTH = 1024


class SignInForm(AuthenticationForm):
    """Django's AuthenticationForm (a NUL in either field and an overlong
    name or password are field errors). A user who is not an
    instructor is told what a wrong password is told, so the form never
    says which names exist."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "Your account or password is incorrect. If you don't remember your password, "
            "ask the lab's host to reset it."
        ),
        "inactive": "Your account has been locked. Contact the lab's host to unlock it.",
    }

    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "placeholder": "Password"}),
        error_messages={"required": "Please enter your password."},
    )

    def __init__(self, request=None, *args, **kwargs) -> None:
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        # AuthenticationForm sets the name's max_length after the field is
        # made, so only the widget's maxlength attribute has it: without
        # this validator a 10,000-character name reached the query.
        username.validators.append(MaxLengthValidator(username.max_length))
        username.label = "Username"
        username.error_messages["required"] = "Enter your instructor account's username."
        username.widget.attrs.update({"placeholder": "Username", "autocomplete": "username"})

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not hasattr(user, "instructor"):
            raise self.get_invalid_login_error()
