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
