"""Forms of the pages every resource has (portal/resource_views.py): the
Tags grid and the Add lock pane. Field shape only; Azure's rules are
portal.tags' and portal.locks'."""

from __future__ import annotations

from django import forms

from portal.layout import AzField, helper
from portal.models import LockLevel
from portal.tags import MAX_TAGS

# Rows the Tags grid reads: one more than Azure allows, so a 51st tag is
# refused by TAG-04 rather than dropped; the rest are never read.
MAX_TAG_ROWS = MAX_TAGS + 1


class TagsForm(forms.Form):
    """The Tags grid: ``name_<i>`` and ``value_<i>`` for each row; a
    ``remove`` button drops its row before Apply."""

    remove = forms.IntegerField(required=False, min_value=0)

    def __init__(self, *args, rows: int = 1, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for row in range(min(rows, MAX_TAG_ROWS)):
            self.fields[f"name_{row}"] = self.base_cell()
            self.fields[f"value_{row}"] = self.base_cell()

    @staticmethod
    def base_cell() -> forms.CharField:
        """One Name or Value box (a create wizard's Tags tab takes the same)."""
        return forms.CharField(required=False, max_length=2000, strip=False)

    @classmethod
    def posted(cls, data) -> TagsForm:
        """The form for a post, with as many rows as it sent."""
        rows = sum(1 for key in data if key.startswith("name_"))
        return cls(data, rows=rows)

    def pairs(self) -> list[tuple[str, str]]:
        """The rows in order, the removed one left out (valid forms only)."""
        rows = sorted(int(key.split("_")[1]) for key in self.fields if key.startswith("name_"))
        removed = self.cleaned_data.get("remove")
        return [(self.cleaned_data[f"name_{row}"], self.cleaned_data[f"value_{row}"]) for row in rows if row != removed]


class LockForm(forms.Form):
    """The "Add lock" pane (Settings > Locks)."""

    name = forms.CharField(required=False, max_length=200, label="Lock name")
    level = forms.ChoiceField(choices=LockLevel.choices, initial=LockLevel.CAN_NOT_DELETE, label="Lock type")
    notes = forms.CharField(required=False, max_length=2000, label="Notes", widget=forms.Textarea(attrs={"rows": 3}))

    @property
    def helper(self):
        return helper(
            AzField("name", id="lock-name", star=True, autocomplete="off", rule="LOCK-03"),
            AzField(
                "level",
                id="lock-level",
                star=True,
                help="Delete: the resource can be read and changed, not deleted. Read-only: it can only be read.",
                rule="LOCK-01, LOCK-02",
            ),
            AzField("notes", id="lock-notes"),
        )
