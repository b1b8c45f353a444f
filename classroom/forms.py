"""The sign-in form: Django's, with Microsoft's words and a cap on the
password's length (issue #12: a clear message, never a 500, for any input)."""

import unicodedata

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from labs import catalog
from portal.eras import Era
from portal.layout import AzField, helper

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


# --- A class (CLS-05) and joining it (CLS-10) -------------------------------------

CAPACITY_MAX = 300

# A check box of the Labs list: checking or clearing a lab draws the pane
# again with it added to (or taken off) the end of the run order, nothing
# saved (CLS-05). The pane's own form is posted, with ``move=refresh``.
REFRESH_PANE = {
    "hx-post": "{{ action_url }}",
    "hx-trigger": "change",
    "hx-target": "#context-pane",
    "hx-swap": "innerHTML",
    "hx-vals": '{"move": "refresh"}',
}


def _no_control_characters(value: str) -> None:
    """A name shown on a board and a projector: no control characters (a
    NUL is Django's own "Null characters are not allowed.")."""
    if any(unicodedata.category(ch) == "Cc" and ch != "\x00" for ch in value):
        raise ValidationError("The name can't contain control characters such as tabs or line breaks.")


def _lab_choices() -> list[tuple[str, str]]:
    return [(lab.id, lab.title) for lab in catalog.load().values()]


def in_run_order(checked: list[str], order: list[str]) -> list[str]:
    """CLS-05: the checked labs in the run order: first those the order
    names, as it names them, then any other checked lab as it was posted
    (picked since the order was drawn). A lab named twice, or not checked,
    or not in the catalog, counts once or not at all."""
    picked = list(dict.fromkeys(checked))
    first = [lab_id for lab_id in dict.fromkeys(order) if lab_id in picked]
    return first + [lab_id for lab_id in picked if lab_id not in first]


class RunOrder(forms.Field):
    """The run order's hidden inputs: any list of texts. What is not a
    checked lab is dropped by :func:`in_run_order` (a hidden field is no
    field the instructor could correct, so it is never a message)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        if not isinstance(value, list | tuple):
            return []
        return [str(v)[:100] for v in value[:200]]


class ClassForm(forms.Form):
    """The "Create a class" pane (CLS-05): every field's problem is a message
    on the field, and nothing is written until all are right."""

    name = forms.CharField(
        label="Class name",
        max_length=80,
        error_messages={
            "required": "The class name is required.",
            "max_length": "The class name can be at most 80 characters long.",
        },
        validators=[_no_control_characters],
    )
    era = forms.ChoiceField(
        label="Era",
        choices=[(era.value, era.label) for era in Era],
        initial=Era.CLASSIC.value,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select the Classic (2021) or the Current (2026) portal."},
    )
    labs = forms.MultipleChoiceField(
        label="Labs",
        choices=_lab_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select at least one lab.",
            "invalid_choice": "The lab '%(value)s' is not in the labs catalog.",
        },
    )
    # CLS-05: the run order of the checked labs, as the "Run order" list
    # shows it (hidden inputs, one per lab, in order). A lab checked since
    # goes last, so the labs run in the order they were picked unless moved.
    lab_order = RunOrder(required=False)
    exam_mode = forms.BooleanField(label="Exam mode: no hints, the solution hidden", required=False)
    capacity = forms.IntegerField(
        label="Capacity",
        initial=30,
        min_value=1,
        max_value=CAPACITY_MAX,
        error_messages={
            "required": f"Enter how many learners may join, from 1 to {CAPACITY_MAX}.",
            "invalid": f"Enter a whole number from 1 to {CAPACITY_MAX}.",
            "min_value": f"A class holds from 1 to {CAPACITY_MAX} learners.",
            "max_value": f"A class holds from 1 to {CAPACITY_MAX} learners.",
        },
    )

    def clean(self) -> dict:
        data = super().clean()
        if "labs" in data:
            data["labs"] = in_run_order(data.get("labs") or [], data.get("lab_order") or [])
        era, lab_ids = data.get("era"), data.get("labs") or []
        if era:
            for lab_id in lab_ids:
                lab = catalog.get(lab_id)
                if lab is not None and era not in lab.eras:
                    self.add_error("labs", f"'{lab.title}' runs in the {Era(lab.eras[0]).label} portal only.")
                    break
        return data

    def run_order(self) -> list[tuple[str, str]]:
        """The "Run order" list: (lab ID, title) of the checked labs in order."""
        if self.is_bound:
            labs = self.fields["labs"].widget.value_from_datadict(self.data, self.files, self.add_prefix("labs"))
            order = self.fields["lab_order"].widget.value_from_datadict(
                self.data, self.files, self.add_prefix("lab_order")
            )
        else:
            labs, order = self.initial.get("labs") or [], self.initial.get("lab_order") or []
        ids = in_run_order([str(v) for v in labs or []], [str(v) for v in order or []])
        titles = dict(_lab_choices())
        return [(lab_id, titles[lab_id]) for lab_id in ids if lab_id in titles]

    @property
    def helper(self):
        return helper(
            AzField("name", id="class-name", star=True, autocomplete="off", maxlength="80", rule="CLS-05"),
            AzField("era", id="class-era", star=True, option_prefix="class-era"),
            AzField(
                "labs",
                id="class-labs",
                star=True,
                stack=True,
                option_prefix="class-lab",
                help="Check the labs the class runs; Run order below sets the order they run in.",
                after_template="classroom/class_create.html#run-order",
                **REFRESH_PANE,
            ),
            AzField("exam_mode", id="class-exam-mode", label="Exam mode"),
            AzField(
                "capacity",
                id="class-capacity",
                star=True,
                help=f"How many learners may join (1 to {CAPACITY_MAX}).",
            ),
        )


class JoinCodeForm(forms.Form):
    """The code box of /join/: a wrong code is the same message whatever it
    was (CLS-10)."""

    code = forms.CharField(
        label="Class code",
        max_length=40,
        error_messages={"required": "Enter the class code your instructor shows."},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "Class code",
            }
        ),
    )


DISPLAY_NAME_MAX = 64


class DisplayNameForm(forms.Form):
    """The name a learner shows the class (CLS-10): trimmed, 1 to 64
    characters, no control characters."""

    display_name = forms.CharField(
        label="Your name",
        max_length=DISPLAY_NAME_MAX,
        error_messages={
            "required": "Enter the name your class will see.",
            "max_length": f"Your name can be at most {DISPLAY_NAME_MAX} characters long.",
        },
        validators=[_no_control_characters],
        widget=forms.TextInput(attrs={"autocomplete": "nickname", "placeholder": "Your name"}),
    )
