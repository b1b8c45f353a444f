"""Forms of the pages every resource has (portal/resource_views.py): the
Tags grid and the Add lock pane. Field shape only; Azure's rules are
portal.tags' and portal.locks'."""

from __future__ import annotations

from django import forms

from portal.layout import AzField, Picker, helper
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


class MoveForm(forms.Form):
    """The "Move resources" pane: the target subscription and resource group,
    the acknowledgement, and which button was pressed (Validate or Move).
    A target the sandbox doesn't offer is "nothing chosen": portal.move
    then says "Select a target resource group." (MOVE-01)."""

    subscription = forms.CharField(required=False, max_length=64, label="Subscription", widget=Picker())
    target = forms.CharField(required=False, max_length=90, label="Resource group", widget=Picker())
    acknowledge = forms.BooleanField(
        required=False,
        label="I understand that tools and scripts associated with moved resources will not work until I update "
        "them to use new resource IDs",
    )
    action = forms.CharField(required=False, max_length=20)

    def __init__(self, *args, subscriptions: list, groups: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.groups = {group.name.lower(): group for group in groups}
        self.fields["subscription"].widget.choices = [(str(s.subscription_id), s.display_name) for s in subscriptions]
        self.fields["target"].widget.choices = [("", "Select a resource group"), *((g.name, g.name) for g in groups)]
        if subscriptions:
            self.fields["subscription"].initial = str(subscriptions[0].subscription_id)

    def target_group(self):
        """The chosen group, or None (nothing chosen, or not one offered)."""
        return self.groups.get((self.cleaned_data.get("target") or "").lower())

    @property
    def helper(self):
        return helper(
            AzField("subscription", id="move-subscription", star=True, rule="MOVE-06"),
            AzField("target", id="move-target", star=True, rule="MOVE-01"),
        )

    @property
    def acknowledge_helper(self):
        return helper(AzField("acknowledge", id="move-acknowledge", rule="MOVE-08"))


class MoveOpenForm(forms.Form):
    """How the "Move resources" pane was opened: from "Resource group
    (change)" (``to=group``) or "Subscription (change)" (``to=subscription``)."""

    to = forms.ChoiceField(required=False, choices=[("group", "group"), ("subscription", "subscription")])

    def to_subscription(self) -> bool:
        return self.is_valid() and self.cleaned_data["to"] == "subscription"
