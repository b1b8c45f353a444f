"""The "Add peering" pane (2021-2022 layout, portal-ui §3.4) and a link's
own settings pane: field shape only; the rules are in services.peerings."""

from django import forms

from networking.services.peerings import LinkSettings

ACCESS = [("allow", "Allow (default)"), ("block", "Block all traffic to the remote virtual network")]
FORWARDED = [("allow", "Allow (default)"), ("block", "Block traffic that originates from outside this virtual network")]
GATEWAY = [
    ("local", "Use this virtual network's gateway"),
    ("remote", "Use the remote virtual network's gateway"),
    ("none", "None (default)"),
]
MODELS = [("arm", "Resource manager"), ("classic", "Classic")]


class LinkSettingsForm(forms.Form):
    access = forms.ChoiceField(choices=ACCESS, initial="allow", label="Traffic to remote virtual network")
    forwarded = forms.ChoiceField(
        choices=FORWARDED, initial="allow", label="Traffic forwarded from remote virtual network"
    )
    gateway = forms.ChoiceField(choices=GATEWAY, initial="none", label="Virtual network gateway")

    def settings(self, prefix: str = "") -> LinkSettings:
        data = self.cleaned_data
        return LinkSettings(
            allow_access=data[f"{prefix}access"] == "allow",
            allow_forwarded=data[f"{prefix}forwarded"] == "allow",
            gateway=data[f"{prefix}gateway"],
        )


class AddPeeringForm(LinkSettingsForm):
    name = forms.CharField(max_length=200, required=False, label="Peering link name")
    remote_name = forms.CharField(max_length=200, required=False, label="Peering link name")
    this_side_only = forms.BooleanField(required=False, label="Add only this virtual network's link")
    deployment_model = forms.ChoiceField(choices=MODELS, initial="arm", label="Virtual network deployment model")
    subscription = forms.CharField(max_length=64, required=False, label="Subscription")
    remote_vnet = forms.CharField(max_length=20, required=False, label="Virtual network")
    remote_access = forms.ChoiceField(choices=ACCESS, initial="allow", label="Traffic to remote virtual network")
    remote_forwarded = forms.ChoiceField(
        choices=FORWARDED, initial="allow", label="Traffic forwarded from remote virtual network"
    )
    remote_gateway = forms.ChoiceField(choices=GATEWAY, initial="none", label="Virtual network gateway")

    def remote_pk(self) -> int | None:
        raw = self.cleaned_data.get("remote_vnet") or ""
        return int(raw) if raw.isascii() and raw.isdigit() else None

    def value(self, name: str) -> str:
        """The field's text as the pane shows it: posted, else initial."""
        if self.is_bound:
            raw = self.data.get(name, "")
            return raw if isinstance(raw, str) else ""
        return str(self.initial.get(name, self.fields[name].initial or ""))
