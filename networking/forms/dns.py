"""Private DNS zone forms: the "Create Private DNS Zone" wizard (portal-ui
§7.2), the record set pane and the "Add virtual network link" pane."""

from django import forms

from networking.forms.fields import PkField, Text
from networking.services import dns as dns_services
from portal.errors import AzureRuleError
from portal.forms import REVIEW, CreateWizard
from portal.layout import helper, wizard_name


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


class RecordSetForm(forms.Form):
    """The "Add record set" / edit pane: Name, Type, TTL, TTL unit and the
    values, one a line. The service checks each (PEDNS-*)."""

    name = Text(300)
    record_type = Text(20)
    ttl = Text(20)
    ttl_unit = Text(20)
    records = Text(25000)

    def values(self) -> dict:
        self.is_valid()
        data = self.cleaned_data
        defaults = {"record_type": "A", "ttl": "1", "ttl_unit": "Hours"}
        # A field left out takes the pane's default; one sent empty stays empty, for the service to refuse.
        return {key: data[key] if key in self.data else defaults.get(key, "") for key in self.fields}


class LinkForm(forms.Form):
    """The "Add virtual network link" pane (PEDNS-14, PEDNS-20 to PEDNS-23)."""

    link_name = Text(200)
    vnet = PkField()
    registration = forms.BooleanField(required=False)
    fallback = forms.BooleanField(required=False)
