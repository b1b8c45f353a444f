"""The Labs hub's filters and the panel's small forms."""

from django import forms

from labs.schema import EXAMS, LEVELS

DURATIONS = [("", "Any duration"), ("15", "Up to 15 minutes"), ("30", "Up to 30 minutes"), ("60", "Up to 60 minutes")]


class CatalogFilterForm(forms.Form):
    """Filter by exam, seed topic, level, duration and kind; anything else is ignored."""

    exam = forms.ChoiceField(required=False, choices=[("", "All exams"), *((e, e) for e in EXAMS)])
    topic = forms.CharField(required=False, max_length=20)
    level = forms.ChoiceField(required=False, choices=[("", "All levels"), *((lv, lv) for lv in LEVELS)])
    duration = forms.ChoiceField(required=False, choices=DURATIONS)
    kind = forms.ChoiceField(
        required=False, choices=[("", "Labs and scenarios"), ("lab", "Guided labs"), ("scenario", "Troubleshooting")]
    )

    def values(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class HintForm(forms.Form):
    task = forms.IntegerField(min_value=0, max_value=99)
    hint = forms.IntegerField(min_value=0, max_value=99)


# --- Exam mode ----------------------------------------------------------------------------------

_EXAM_ERROR = "Choose AZ-104, AZ-700 or AZ-204."


class ExamForm(forms.Form):
    """Exam practice: the exam, optionally one of its skill areas, how many
    tasks and how long."""

    exam = forms.ChoiceField(
        choices=[(e, e) for e in EXAMS], error_messages={"required": _EXAM_ERROR, "invalid_choice": _EXAM_ERROR}
    )
    skill = forms.CharField(required=False, max_length=120)
    tasks = forms.TypedChoiceField(
        coerce=int,
        choices=[],
        error_messages={"required": "Choose how many tasks.", "invalid_choice": "Choose how many tasks."},
    )
    minutes = forms.TypedChoiceField(
        coerce=int,
        choices=[],
        error_messages={"required": "Choose how long.", "invalid_choice": "Choose how long."},
    )

    def __init__(self, *args, skills: dict[str, list[str]], tasks: tuple[int, ...], minutes: tuple[int, ...], **kw):
        super().__init__(*args, **kw)
        self.skills = skills
        self.fields["tasks"].choices = [(str(n), f"{n} task{'s' if n > 1 else ''}") for n in tasks]
        self.fields["minutes"].choices = [(str(n), f"{n} minutes") for n in minutes]

    def clean(self):
        data = super().clean()
        exam, skill = data.get("exam"), (data.get("skill") or "").strip()
        if exam and skill:
            known = {s.casefold(): s for s in self.skills.get(exam, [])}
            if skill.casefold() not in known:
                self.add_error("skill", f"'{skill[:60]}' isn't a skill area of {exam} in the catalog.")
            else:
                data["skill"] = known[skill.casefold()]
        return data


class NextTaskForm(forms.Form):
    task = forms.IntegerField(min_value=0, max_value=99)
