"""The "Add peering" pane and a link's own settings pane (portal-ui §3.4), in
the era's layout: field shape only; the rules are in services.peerings.

Every link has the same four settings (``LinkSettings``). The 2021-2022 pane
draws them as three radio groups under "This virtual network" and "Remote
virtual network"; the newer pane (``Ruleset.peering_checkboxes``) as four
checkboxes per link under "Remote virtual network summary" and "Local
virtual network summary". A refusal of the service names the setting it is
about (``transit``, ``use_remote``); :meth:`LinkSettingsForm.problem_field`
shows it on the control that draws that setting in the pane on screen.
"""

from typing import Any

from crispy_forms.layout import HTML
from django import forms

from networking.models import VirtualNetwork
from networking.services.peerings import LinkSettings
from portal.eras import Ruleset
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
# What the newer pane's checkboxes call a remote network not chosen yet.
UNCHOSEN = "the remote virtual network"


def _radios(choices: list[tuple[str, str]], initial: str, label: str) -> forms.ChoiceField:
    return forms.ChoiceField(choices=choices, initial=initial, label=label, widget=forms.RadioSelect)


def _box(initial: bool, label: str) -> forms.BooleanField:
    return forms.BooleanField(required=False, initial=initial, label=label)


class RadioLink:
    """The 2021-2022 pane: a link's settings as three radio groups, "Use this
    virtual network's gateway" and "Use the remote virtual network's gateway"
    being two options of one group."""

    local_title, remote_title = "This virtual network", "Remote virtual network"
    remote_first = False
    names_remote = False  # its labels don't name the remote network

    def fields(self, mine: str, theirs: str) -> dict[str, forms.Field]:
        return {
            "access": _radios(ACCESS, "allow", "Traffic to remote virtual network"),
            "forwarded": _radios(FORWARDED, "allow", "Traffic forwarded from remote virtual network"),
            "gateway": _radios(GATEWAY, "none", "Virtual network gateway"),
        }

    def controls(self, prefix: str, ids: str, gateway_help: str = "") -> list:
        """One option per line; ``prefix`` names the remote link's fields
        (``remote_``), ``ids`` their element ids."""
        return [
            AzField(f"{prefix}access", id=f"{ids}-access", stack=True),
            AzField(f"{prefix}forwarded", id=f"{ids}-forwarded", stack=True),
            AzField(
                f"{prefix}gateway",
                id=f"{ids}-gateway-field",
                option_prefix=f"{ids}-gateway",
                error_id=f"{ids}-gateway-error",
                help_template=gateway_help,
                stack=True,
            ),
        ]

    def undrawn(self, data: Any, prefix: str) -> list[str]:
        """A radio group always has a choice in the browser: one not posted
        wasn't drawn."""
        return [name for name in ("access", "forwarded", "gateway") if f"{prefix}{name}" not in data]

    def posted(self, value: Any) -> str:
        return str(value)

    def settings(self, data: dict, prefix: str) -> LinkSettings:
        gateway = data[f"{prefix}gateway"]
        return LinkSettings(
            allow_access=data[f"{prefix}access"] == "allow",
            allow_forwarded=data[f"{prefix}forwarded"] == "allow",
            transit=gateway == "local",
            use_remote=gateway == "remote",
        )

    def initial(self, settings: LinkSettings) -> dict[str, str]:
        return {
            "access": "allow" if settings.allow_access else "block",
            "forwarded": "allow" if settings.allow_forwarded else "block",
            "gateway": "local" if settings.transit else "remote" if settings.use_remote else "none",
        }

    def field_of(self, setting: str) -> str:
        return "gateway" if setting in ("transit", "use_remote") else setting

    def transit_option(self, form: forms.Form) -> str:
        return dict(GATEWAY)["local"]


class CheckboxLink:
    """The newer pane: a link's four settings as checkboxes whose labels
    name both networks; only access is on by default. A hidden ``boxes``
    input says the link's checkboxes were drawn (an unchecked box posts
    nothing)."""

    local_title, remote_title = "Local virtual network summary", "Remote virtual network summary"
    remote_first = True
    names_remote = True

    def fields(self, mine: str, theirs: str) -> dict[str, forms.Field]:
        a = f"'{mine}'" if mine else UNCHOSEN
        b = f"'{theirs}'" if theirs else UNCHOSEN
        # The portal writes the possessive after the quote: "'vnet-1's'".
        b_s = f"'{theirs}'s'" if theirs else f"{UNCHOSEN}'s"
        return {
            "allow_access": _box(True, f"Allow {a} to access {b}"),
            "allow_forwarded": _box(False, f"Allow {a} to receive forwarded traffic from {b}"),
            "transit": _box(False, f"Allow gateway or route server in {a} to forward traffic to {b}"),
            "use_remote": _box(False, f"Enable {a} to use {b_s} remote gateway or route server"),
        }

    def controls(self, prefix: str, ids: str, gateway_help: str = "") -> list:
        return [
            HTML(f'<input type="hidden" name="{prefix}boxes" value="1">'),
            AzField(f"{prefix}allow_access", id=f"{ids}-allow-access", error_id=f"{ids}-allow-access-error"),
            AzField(f"{prefix}allow_forwarded", id=f"{ids}-allow-forwarded", error_id=f"{ids}-allow-forwarded-error"),
            AzField(
                f"{prefix}transit", id=f"{ids}-transit", error_id=f"{ids}-transit-error", help_template=gateway_help
            ),
            AzField(f"{prefix}use_remote", id=f"{ids}-use-remote", error_id=f"{ids}-use-remote-error"),
        ]

    def undrawn(self, data: Any, prefix: str) -> list[str]:
        return [] if f"{prefix}boxes" in data else ["allow_access", "allow_forwarded", "transit", "use_remote"]

    def posted(self, value: Any) -> str:
        return "on" if value else ""

    def settings(self, data: dict, prefix: str) -> LinkSettings:
        return LinkSettings(
            allow_access=data[f"{prefix}allow_access"],
            allow_forwarded=data[f"{prefix}allow_forwarded"],
            transit=data[f"{prefix}transit"],
            use_remote=data[f"{prefix}use_remote"],
        )

    def initial(self, settings: LinkSettings) -> dict[str, bool]:
        return {
            "allow_access": settings.allow_access,
            "allow_forwarded": settings.allow_forwarded,
            "transit": settings.transit,
            "use_remote": settings.use_remote,
        }

    def field_of(self, setting: str) -> str:
        return setting

    def transit_option(self, form: forms.Form) -> str:
        return str(form.fields["transit"].label)


class LinkSettingsForm(forms.Form):
    """A link's own pane (Save): its settings in the era's layout. What the
    pane didn't draw (the remote link of a classic remote network, a stale
    pane of the other era) reads as the form's initial value: the default,
    or the link's current setting."""

    use_required_attribute = False

    def __init__(
        self, data=None, *, rules: Ruleset, local: str, remote: str, current: LinkSettings | None = None
    ) -> None:
        super().__init__(data)
        self.link = CheckboxLink() if rules.peering_checkboxes else RadioLink()
        self.add_link("", local, remote, current)

    def add_link(self, prefix: str, mine: str, theirs: str, current: LinkSettings | None = None) -> None:
        """The fields of ``mine``'s link to ``theirs`` (``prefix`` ``remote_``: the remote network's link)."""
        self.fields.update({prefix + name: field for name, field in self.link.fields(mine, theirs).items()})
        if current is not None:
            self.initial.update({prefix + name: value for name, value in self.link.initial(current).items()})
        missing = self.link.undrawn(self.data, prefix) if self.is_bound else []
        if missing:
            self.data = self.data.copy()
            for name in (prefix + name for name in missing):
                self.data[name] = self.link.posted(self.initial.get(name, self.fields[name].initial))

    @property
    def helper(self):
        return helper(*self.link.controls("", "edit"))

    def settings(self, prefix: str = "") -> LinkSettings:
        return self.link.settings(self.cleaned_data, prefix)

    def problem_field(self, field: str | None) -> str:
        """Where the service's refusal shows: the control of the setting it
        names, or the pane's banner."""
        if not field:
            return "form"
        prefix = "remote_" if field.startswith("remote_") else ""
        return prefix + self.link.field_of(field.removeprefix(prefix))

    @property
    def transit_option(self) -> str:
        """This link's "offer my gateway" control, as the pane labels it."""
        return self.link.transit_option(self)


class AddPeeringForm(LinkSettingsForm):
    """The "Add peering" pane: this link, the remote network and its link.
    The Subscription and Virtual network lists are the sandbox's own (the
    VNets of the chosen deployment model, but this one); anything else
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

    @classmethod
    def redrawn(cls, query, **kwargs) -> "AddPeeringForm":
        """The pane a GET draws: re-rendered for the deployment model (or, in
        the newer pane, the remote network) the query names, or a fresh one."""
        return cls(query if "deployment_model" in query else None, **kwargs)

    def __init__(self, data=None, *, vnet: VirtualNetwork, sandbox: Sandbox) -> None:
        posted = data if data is not None else {}
        self.classic = posted.get("deployment_model") == "classic"
        self.remotes = list(
            VirtualNetwork.objects.filter(sandbox=sandbox, is_classic=self.classic)
            .exclude(pk=vnet.pk)
            .select_related("resource_group")
            .order_by("name")
        )
        chosen = next((v for v in self.remotes if str(v.pk) == posted.get("remote_vnet")), None)
        remote = chosen.name if chosen else ""
        super().__init__(data, rules=sandbox.rules, local=vnet.name, remote=remote)
        self.add_link("remote_", remote, vnet.name)
        self.fields["subscription"].choices = [
            (str(sub.subscription_id), sub.display_name) for sub in sandbox.subscriptions.all()[:1]
        ]
        self.fields["remote_vnet"].choices = [("", "Select a virtual network")] + [
            (str(v.pk), f"{v.name} ({v.resource_group.name})") for v in self.remotes
        ]

    @property
    def sections(self) -> list[dict]:
        """The pane's two sections in the era's order, each a title and its fields."""
        local = {
            "title": self.link.local_title,
            "helper": helper(
                AzField("name", id="peering-name", star=True, autocomplete="off"),
                *self.link.controls("", "local", PANE + "no-gateway-help"),
            ),
        }
        remote = {"title": self.link.remote_title, "helper": self.remote_helper}
        return [remote, local] if self.link.remote_first else [local, remote]

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
                # The newer pane's checkboxes name the chosen network.
                **(RERENDER_PANE if self.link.names_remote else {}),
            ),
        ]
        if not self.classic:
            fields += self.link.controls("remote_", "remote")
        return helper(*fields)

    def remote(self) -> VirtualNetwork | None:
        """The chosen remote network, one of the pane's own choices."""
        pk = self.cleaned_data.get("remote_vnet")
        return next((v for v in self.remotes if str(v.pk) == pk), None)
