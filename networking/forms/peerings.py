"""The "Add peering" pane (2021-2022 layout, portal-ui §3.4) and a link's
own settings pane: field shape only; the rules are in services.peerings."""

from django import forms

from networking.models import VirtualNetwork
from networking.services.peerings import LinkSettings
from portal.layout import RERENDER_PANE, AzField, helper
from portal.models import Sandbox

ACCESS = [("allow", "Allow (default)"), ("block", "Block all traffic to the remote virtual network")]
FORWARDED = [("allow", "Allow (default)"), ("block", "Block traffic that originates from outside this virtual network")]
GATEWAY = [
    ("local", "Use this virtual network's gateway"),
    ("remote", "Use the remote virtual network's gateway"),
    ("none", "None (default)"),
]
MODELS = [("arm", "Resource manager"), ("classic", "Classic")]
PANE = "networking/peering_add.html#"


def link_fields(prefix: str, ids: str) -> list[AzField]:
    """A link's three settings, one option per line; ``prefix`` names the
    remote link's fields (``remote_``), ``ids`` their element ids."""
    return [
        AzField(f"{prefix}access", id=f"{ids}-access", stack=True),
        AzField(f"{prefix}forwarded", id=f"{ids}-forwarded", stack=True),
        AzField(f"{prefix}gateway", id=f"{ids}-gateway-field", option_prefix=f"{ids}-gateway", stack=True),
    ]


def _radios(choices: list[tuple[str, str]], initial: str, label: str) -> forms.ChoiceField:
    return forms.ChoiceField(choices=choices, initial=initial, label=label, widget=forms.RadioSelect)


class LinkSettingsForm(forms.Form):
    """A link's settings pane. A radio group always has a choice in the
    browser, so one the pane didn't draw (the remote link's, in the classic
    layout) reads as its default rather than as missing."""

    access = _radios(ACCESS, "allow", "Traffic to remote virtual network")
    forwarded = _radios(FORWARDED, "allow", "Traffic forwarded from remote virtual network")
    gateway = _radios(GATEWAY, "none", "Virtual network gateway")

    use_required_attribute = False

    def __init__(self, data=None, *args, **kwargs) -> None:
        if data is not None:
            data = data.copy()
            for name, field in self.base_fields.items():
                if isinstance(field.widget, forms.RadioSelect) and name not in data:
                    data[name] = field.initial
        super().__init__(data, *args, **kwargs)

    @property
    def helper(self):
        return helper(*link_fields("", "edit"))

    def settings(self, prefix: str = "") -> LinkSettings:
        data = self.cleaned_data
        return LinkSettings(
            allow_access=data[f"{prefix}access"] == "allow",
            allow_forwarded=data[f"{prefix}forwarded"] == "allow",
            gateway=data[f"{prefix}gateway"],
        )


class AddPeeringForm(LinkSettingsForm):
    """The "Add peering" pane: this link, then the remote network and its
    link. The Subscription and Virtual network lists are the sandbox's own
    (the VNets of the chosen deployment model, but this one); anything else
    posted is refused as not chosen."""

    name = forms.CharField(max_length=200, required=False, label="Peering link name")
    this_side_only = forms.BooleanField(required=False, label="Add only this virtual network's link")
    remote_name = forms.CharField(max_length=200, required=False, label="Peering link name")
    deployment_model = _radios(MODELS, "arm", "Virtual network deployment model")
    subscription = forms.ChoiceField(
        label="Subscription",
        error_messages={"required": "Select a subscription.", "invalid_choice": "Select a subscription."},
    )
    remote_vnet = forms.ChoiceField(
        required=False,
        label="Virtual network",
        error_messages={"invalid_choice": "Select a virtual network."},
    )
    remote_access = _radios(ACCESS, "allow", "Traffic to remote virtual network")
    remote_forwarded = _radios(FORWARDED, "allow", "Traffic forwarded from remote virtual network")
    remote_gateway = _radios(GATEWAY, "none", "Virtual network gateway")

    @classmethod
    def redrawn(cls, query, **kwargs) -> "AddPeeringForm":
        """The pane a GET draws: re-rendered for the deployment model the
        query names, or a fresh one."""
        return cls(query if "deployment_model" in query else None, **kwargs)

    def __init__(self, data=None, *, vnet: VirtualNetwork, sandbox: Sandbox) -> None:
        super().__init__(data)
        self.classic = self.value("deployment_model") == "classic"
        self.fields["subscription"].choices = [
            (str(sub.subscription_id), sub.display_name) for sub in sandbox.subscriptions.all()[:1]
        ]
        self.remotes = list(
            VirtualNetwork.objects.filter(sandbox=sandbox, is_classic=self.classic)
            .exclude(pk=vnet.pk)
            .select_related("resource_group")
            .order_by("name")
        )
        self.fields["remote_vnet"].choices = [("", "Select a virtual network")] + [
            (str(v.pk), f"{v.name} ({v.resource_group.name})") for v in self.remotes
        ]

    @property
    def helper(self):
        """This virtual network's link; the page puts its gateway note after it."""
        return helper(
            AzField("name", id="peering-name", star=True, autocomplete="off"),
            *link_fields("", "local"),
        )

    @property
    def remote_helper(self):
        """The remote network and, unless it is classic, its link (VNET-10)."""
        fields: list = []
        if not self.classic:
            fields += [
                AzField("this_side_only", id="this-side-only", help_template=PANE + "this-side-only-help"),
                AzField("remote_name", id="remote-peering-name", star=True, autocomplete="off"),
            ]
        fields += [
            AzField(
                "deployment_model",
                id="deployment-model",
                option_prefix="model",
                help_template=PANE + "classic-note",
                **RERENDER_PANE,
            ),
            AzField("subscription", id="remote-subscription", star=True),
            AzField(
                "remote_vnet",
                id="remote-vnet",
                star=True,
                help="Virtual networks in any region can be peered (global peering);"
                " their address spaces must not overlap.",
                rule="VNET-13, VNET-15",
            ),
        ]
        if not self.classic:
            fields += link_fields("remote_", "remote")
        return helper(*fields)

    def remote(self) -> VirtualNetwork | None:
        """The chosen remote network, one of the pane's own choices."""
        pk = self.cleaned_data.get("remote_vnet")
        return next((v for v in self.remotes if str(v.pk) == pk), None)

    def value(self, name: str) -> str:
        """The field's text as the pane shows it: posted, else initial."""
        if self.is_bound:
            raw = self.data.get(name, "")
            return raw if isinstance(raw, str) else ""
        return str(self.initial.get(name, self.fields[name].initial or ""))
