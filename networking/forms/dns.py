"""Private DNS zone forms: the "Create Private DNS Zone" wizard (portal-ui
§7.2), the record set pane and the "Add virtual network link" pane."""

from crispy_forms.layout import HTML
from django import forms

from networking.forms.fields import PkField, Text, parsed, rerender_with_own_value
from networking.models import VirtualNetwork
from networking.services import dns as dns_services
from portal.errors import AzureRuleError
from portal.forms import REVIEW, CreateWizard
from portal.layout import AzField, Picker, helper, wizard_name


class PrivateDnsZoneWizard(CreateWizard):
    kind = "privatednszone"
    title = "Create Private DNS Zone"
    product = "Microsoft.PrivateDnsZone"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "private_dns_zone"

    def __init__(self, sandbox, data=None, rg_name: str = ""):
        super().__init__(sandbox, data)
        # A zone is global: the region is only where its resource group lives.
        self.fields["region"].required = False
        if rg_name:
            self.initial["resource_group"] = rg_name

    @property
    def helper(self):
        return helper(
            wizard_name(
                maxlength="260",
                placeholder="private.contoso.com",
                help="For a private endpoint use the service's privatelink zone, e.g. privatelink.database.windows.net.",
                rule="PEDNS-01",
            ),
            rows=True,
        )

    def check_rules(self, problems, attempt) -> None:
        name = attempt("name", dns_services.validate_zone_name, self.value("name"))
        if name:
            attempt("name", dns_services.check_zone_name_free, self.target_rg, name)
            attempt("name", dns_services.check_zone_limit, self.sandbox)

    def deploy(self):
        self.cleaned_data["region"] = (
            self.target_rg.location if self.target_rg else (self.cleaned_data.get("region") or "eastus")
        )
        return super().deploy()

    def create(self, rg):
        return dns_services.create_zone(rg, name=self.cleaned_data["name"])

    def instance_summary(self):
        return [("Name", self.value("name").strip().lower()), ("Region", "Global")]


__all__ = ["AzureRuleError", "PrivateDnsZoneWizard"]


# The values box's label and help line, by record type.
VALUE_LABELS = {
    "A": "IP address",
    "AAAA": "IP address",
    "CNAME": "Alias",
    "MX": "Preference and mail exchange",
    "SRV": "Priority, weight, port and target",
    "PTR": "Domain name",
}
VALUE_HELP = {"CNAME": "Exactly one host name, e.g. contoso.azurewebsites.net.", "A": "One IPv4 address per line."}


def _problems(errors: dict | None, renamed: dict[str, str] | None = None) -> dict:
    """A pane's refusals keyed by the form's field names (a service may name a field otherwise)."""
    renamed = renamed or {}
    return {renamed.get(key, key): problem for key, problem in (errors or {}).items()}


class RecordSetForm(forms.Form):
    """The "Add record set" / edit pane: Name, Type, TTL, TTL unit and the
    values, one a line. The service checks each (PEDNS-*)."""

    name = Text(300, label="Name")
    record_type = Text(20, label="Type", widget=forms.Select(choices=[(t, t) for t in dns_services.RECORD_TYPES]))
    ttl = Text(20, label="TTL")
    ttl_unit = Text(20, label="TTL unit", widget=forms.Select(choices=[(u, u) for u in dns_services.TTL_UNITS]))
    records = Text(25000, widget=forms.Textarea(attrs={"rows": "4", "spellcheck": "false"}))

    def __init__(self, data=None, *, zone=None, record_set=None, errors: dict | None = None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.zone, self.record_set = zone, record_set
        # The service names the Name field "record_name".
        self.problems = _problems(errors, {"record_name": "name"})

    def values(self) -> dict:
        self.is_valid()
        data = self.cleaned_data
        defaults = {"record_type": "A", "ttl": "1", "ttl_unit": "Hours"}
        # A field left out takes the pane's default; one sent empty stays empty, for the service to refuse.
        return {key: data[key] if key in self.data else defaults.get(key, "") for key in self.fields}

    @property
    def helper(self):
        """The pane's fields; Name and Type are fixed once the set exists,
        and a changed Type re-renders the pane (its values' label and help)."""
        record_type = self["record_type"].value()
        fixed = {"disabled": True} if self.record_set else {}
        return helper(
            AzField(
                "name",
                id="record-name",
                star=True,
                help=f'.{self.zone.name} — "@" for the zone apex.',
                maxlength="300",
                autocomplete="off",
                **fixed,
            ),
            AzField("record_type", id="record-type", star=True, **(fixed or rerender_with_own_value("{{ pane_url }}"))),
            HTML('<div class="d-flex gap-3">'),
            AzField("ttl", id="record-ttl", star=True, wrapper_class="flex-fill", maxlength="20", inputmode="numeric"),
            AzField("ttl_unit", id="record-ttl-unit", star=True, wrapper_class="flex-fill"),
            HTML("</div>"),
            AzField(
                "records",
                id="record-values",
                star=True,
                label=VALUE_LABELS.get(record_type, "Value"),
                help=f"{VALUE_HELP.get(record_type, 'One value per line.')} At most 20 records in a set.",
                rule="LIMIT-50",
            ),
        )


class LinkForm(forms.Form):
    """The "Add virtual network link" pane (PEDNS-14, PEDNS-20 to PEDNS-23):
    the zone's sandbox's Resource Manager networks, those already linked
    greyed out; "Fallback to internet" where the era and the zone allow it."""

    link_name = Text(200, label="Link name")
    subscription = Text(200, label="Subscription", widget=forms.Select)
    vnet = PkField(label="Virtual network", widget=Picker)
    registration = forms.BooleanField(required=False, label="Enable auto registration")
    fallback = forms.BooleanField(required=False, label="Fallback to internet")

    def __init__(self, data=None, *, zone, fallback_allowed: bool = False, errors: dict | None = None) -> None:
        super().__init__(data)
        self.zone, self.fallback_allowed = zone, fallback_allowed
        self.problems = _problems(errors)
        subscription = zone.resource_group.subscription.display_name
        self.fields["subscription"].widget.choices = [(subscription, subscription)]
        choices = dns_services.link_choices(zone)
        picker = self.fields["vnet"].widget
        picker.choices = [("", "Select a virtual network")] + [
            (
                c["vnet"].pk,
                f"{c['vnet'].name} ({c['vnet'].resource_group.name}){' - already linked' if c['linked'] else ''}",
            )
            for c in choices
        ]
        picker.disabled = {str(c["vnet"].pk) for c in choices if c["linked"]}

    def chosen_vnet(self) -> VirtualNetwork | None:
        """The posted network, if it is the sandbox's (the service says why it can't be linked)."""
        pk = parsed(self)["vnet"]
        return VirtualNetwork.objects.filter(sandbox=self.zone.sandbox, pk=pk).select_related("sandbox").first()

    @property
    def helper(self):
        fields = [
            AzField("link_name", id="link-name", star=True, maxlength="200", autocomplete="off"),
            AzField("subscription", id="link-subscription", star=True),
            AzField(
                "vnet",
                id="link-vnet",
                star=True,
                help="Resource Manager virtual networks only; one link per network.",
                rule="PEDNS-21",
            ),
            AzField(
                "registration",
                id="link-registration",
                help="The zone keeps an A record for each VM in the network. A network can register in one zone only.",
                rule="PEDNS-22, PEDNS-23",
            ),
        ]
        if self.fallback_allowed:
            fields.append(
                AzField(
                    "fallback",
                    id="link-fallback",
                    help="A name missing from this zone resolves publicly instead of failing (NxDomainRedirect).",
                    rule="PEDNS-14",
                )
            )
        return helper(*fields)
