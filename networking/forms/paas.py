"""Forms of the PaaS services a network reaches (storage accounts, SQL
servers, key vaults): the create wizard (Basics only) and the Networking
and Private endpoint connections pages' small forms."""

from crispy_forms.layout import HTML
from django import forms

from networking.forms.fields import PkField, Text, parsed, rerender_with_own_value
from networking.models import Subnet, VirtualNetwork
from networking.services import paas as paas_services
from portal.forms import REVIEW, CreateWizard
from portal.layout import AzField, Picker, helper, wizard_name, wizard_region


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

    access = Text(20, label="Public network access", widget=forms.RadioSelect(choices=paas_services.ACCESS_CHOICES))

    def __init__(self, data=None, *, errors: dict | None = None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.problems = dict(errors or {})

    @property
    def helper(self):
        return helper(
            AzField(
                "access",
                id="access",
                help='"Selected networks" lets in only the virtual network and IP rules below;'
                ' "Disabled" leaves private endpoints as the only way in.',
                rule="SE-01, PEDNS-12",
            )
        )


AZURE_SERVICES_LABEL = "Allow Azure services and resources to access this server"


class SqlNetworkingForm(forms.Form):
    """A SQL server's public access (SQL-01 to SQL-03), in its era's words:
    [Classic] "Deny public network access" and "Allow Azure services and
    resources to access this server"; [Current] "Public network access"
    (Disable / Selected networks) and the same exception."""

    deny_public = forms.BooleanField(required=False, label="Deny public network access")
    public_access = Text(
        20,
        label="Public network access",
        widget=forms.RadioSelect(choices=[("disabled", "Disable"), ("selected", "Selected networks")]),
    )
    allow_azure = forms.BooleanField(required=False, label=AZURE_SERVICES_LABEL)

    def __init__(self, data=None, *, choice: bool, errors: dict | None = None, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.choice = choice
        self.problems = dict(errors or {})
        del self.fields["deny_public" if choice else "public_access"]

    def denies_public(self) -> bool:
        values = parsed(self)
        return values["public_access"] == "disabled" if self.choice else bool(values["deny_public"])

    @property
    def helper(self):
        access = (
            AzField(
                "public_access",
                id="sql-public-access",
                help='"Disable" leaves private endpoints as the only way in; "Selected networks" lets in what'
                " the rules below allow.",
                rule="SQL-02, SQL-03",
            )
            if self.choice
            else AzField(
                "deny_public",
                id="sql-deny-public",
                help="Yes: only private endpoints reach the server; its firewall and virtual network rules are"
                " kept but not applied.",
                rule="SQL-02",
            )
        )
        exceptions = (HTML('<div class="az-label" id="sql-exceptions">Exceptions</div>'),) if self.choice else ()
        allow = AzField(
            "allow_azure",
            id="sql-allow-azure",
            help="The firewall rule 0.0.0.0 - 0.0.0.0: any address of Azure, other customers' included, gets in.",
            rule="SQL-01",
        )
        return helper(access, *exceptions, allow)


class VnetRuleForm(forms.Form):
    """The "Add existing virtual network" pane: virtual network, subnet and
    whether to enable the missing service endpoint first (SE-01). The
    pickers list the sandbox's networks and the chosen one's subnets, those
    that can't serve greyed out (SE-05, SE-07)."""

    subscription = Text(200, label="Subscriptions", widget=forms.Select)
    vnet = PkField(label="Virtual networks", widget=forms.Select)
    subnet = PkField(label="Subnets", widget=Picker)
    enable_endpoint = forms.BooleanField(required=False)

    def __init__(self, data=None, *, target, errors: dict | None = None) -> None:
        super().__init__(data)
        self.target = target
        self.problems = dict(errors or {})
        subscription = target.resource_group.subscription.display_name
        self.fields["subscription"].widget.choices = [(subscription, subscription)]
        self.fields[
            "enable_endpoint"
        ].label = f"Enable the {target.service_endpoint} service endpoint on the subnet if it is missing"
        vnets = list(VirtualNetwork.objects.filter(sandbox=target.sandbox).select_related("resource_group"))
        self.fields["vnet"].widget.choices = [("", "Select a virtual network")] + [
            (v.pk, f"{v.name} ({v.region_label})") for v in vnets
        ]
        self.vnet = next((v for v in vnets if v.pk == parsed(self)["vnet"]), None) if self.is_bound else None
        self.subnet_rows = [
            {"subnet": subnet, "problem": paas_services.subnet_problem(target, subnet)}
            for subnet in (Subnet.objects.filter(vnet=self.vnet).select_related("vnet") if self.vnet else ())
        ]
        picker = self.fields["subnet"].widget
        picker.choices = [("", "Select a subnet")] + [
            (row["subnet"].pk, _subnet_label(row)) for row in self.subnet_rows
        ]
        picker.disabled = {str(row["subnet"].pk) for row in self.subnet_rows if _blocked(row)}

    def chosen_subnet(self) -> Subnet | None:
        """The posted subnet, if it is the posted network's, in the sandbox."""
        data = parsed(self)
        return (
            Subnet.objects.filter(vnet__sandbox=self.target.sandbox, vnet_id=data["vnet"], pk=data["subnet"])
            .select_related("vnet__resource_group__subscription")
            .first()
        )

    @property
    def helpers(self) -> dict:
        """The pickers, and under the subnets' reasons the endpoint check box."""
        vnet_picker = AzField("vnet", id="rule-vnet", star=True, **rerender_with_own_value("{{ urls.vnet_rule }}"))
        noscript = HTML(
            '<noscript><button type="submit" formmethod="get" formaction="{{ urls.vnet_rule }}"'
            ' class="btn-az-secondary mt-1">Show subnets</button></noscript>'
        )
        pickers = [AzField("subscription", id="rule-subscription", star=True), vnet_picker, noscript]
        if self.vnet is not None:
            pickers.append(AzField("subnet", id="rule-subnet", star=True))
        return {
            "pickers": helper(*pickers),
            "endpoint": helper(
                AzField(
                    "enable_endpoint",
                    id="enable-endpoint",
                    help="A virtual network rule needs the subnet's service endpoint first;"
                    " the endpoint alone restricts nothing.",
                    rule="SE-01, SUBNET-20",
                )
            ),
        }


def _blocked(row: dict) -> bool:
    return bool(row["problem"]) and row["problem"][0] == "blocked"


def _subnet_label(row: dict) -> str:
    subnet, problem = row["subnet"], row["problem"]
    note = ""
    if problem:
        note = " - service endpoint not enabled" if problem[0] == "endpoint" else " - unavailable"
    return f"{subnet.name} ({subnet.address_prefix}){note}"


class RemoveVnetRuleForm(forms.Form):
    subnet = PkField()


class IpRuleForm(forms.Form):
    """A firewall IP rule (SE-02); longer text is cut, the service parses it."""

    ip_rule = Text(100)


class ConnectionActionForm(forms.Form):
    """Approve / Reject / Remove of a private endpoint connection (PEDNS-30)."""

    endpoint = PkField()
    action = Text(20)
