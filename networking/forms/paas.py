"""Forms of the PaaS services a network reaches (storage accounts, SQL
servers, key vaults): the create wizard (Basics only) and the Networking
and Private endpoint connections pages' small forms."""

from django import forms

from networking.forms.fields import PkField, Text
from networking.services import paas as paas_services
from portal.forms import REVIEW, CreateWizard
from portal.layout import helper, wizard_name, wizard_region


class PaasWizard(CreateWizard):
    """Create a storage account, SQL server or key vault (``model`` set per request)."""

    kind = "paastarget"
    product = "Microsoft.PaasTarget"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "paas"

    def __init__(self, sandbox, data=None, *, model, rg_name: str = ""):
        self.model = model
        super().__init__(sandbox, data)
        if rg_name:
            self.initial["resource_group"] = rg_name

    @property
    def title(self) -> str:
        return {"Storage account": "Create a storage account", "SQL server": "Create SQL Database Server"}.get(
            self.model.type_label, "Create a key vault"
        )

    @property
    def helper(self):
        return helper(
            wizard_name(label=f"{self.model.type_label} name", help_template="networking/paas_create.html#name-help"),
            wizard_region(),
            rows=True,
        )

    @property
    def host_name(self) -> str:
        return f"{self.value('name').strip().lower()}.{self.model.host_suffix}"

    def check_rules(self, problems, attempt) -> None:
        name = attempt("name", paas_services.validate_target_name, self.model, self.value("name"))
        if name:
            attempt("name", paas_services.check_target_name_free, self.model, self.sandbox, name)

    def create(self, rg):
        return paas_services.create_target(
            self.model, rg, name=self.cleaned_data["name"], location=self.cleaned_data["region"]
        )

    def instance_summary(self):
        return [("Name", self.value("name")), ("Region", self.region_label), ("Host name", self.host_name)]


class PublicAccessForm(forms.Form):
    """Networking > "Public network access" (Save); the service checks the choice (SE-01)."""

    access = Text(20)


class VnetRuleForm(forms.Form):
    """The "Add existing virtual network" pane: virtual network, subnet and
    whether to enable the missing service endpoint first (SE-01)."""

    vnet = PkField()
    subnet = PkField()
    enable_endpoint = forms.BooleanField(required=False)


class RemoveVnetRuleForm(forms.Form):
    subnet = PkField()


class IpRuleForm(forms.Form):
    """A firewall IP rule (SE-02); longer text is cut, the service parses it."""

    ip_rule = Text(100)


class ConnectionActionForm(forms.Form):
    """Approve / Reject / Remove of a private endpoint connection (PEDNS-30)."""

    endpoint = PkField()
    action = Text(20)
