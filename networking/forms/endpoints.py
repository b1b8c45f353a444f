"""The "Create a private endpoint" wizard (portal-ui §7.1): the 2020-2022
layout (Basics, Resource, Configuration, Review + create) and the newer one
(Configuration split into Virtual Network and DNS; the Virtual Network tab's
subnet policy "edit", Private IP configuration and Application security
group), and the newer wizard's "Edit subnet network policy" pane."""

from functools import cached_property

from crispy_forms.layout import HTML
from django import forms

from networking.forms.fields import PkField, Text, parsed
from networking.forms.vnets import POLICY_BOXES, POLICY_OF_BOXES
from networking.models import PrivateDnsZone, Subnet, VirtualNetwork
from networking.services import compute as compute_services
from networking.services import endpoints as endpoint_services
from portal.errors import AzureRuleError, rule_error
from portal.forms import REVIEW, CreateWizard, Problem
from portal.inputs import parse_pk
from portal.layout import RERENDER_WIZARD, AzField, Picker, helper, wizard_name, wizard_region

OWN_DIRECTORY = "directory"
BY_ID = "resourceid"
DYNAMIC, STATIC = "dynamic", "static"
# The newer Virtual Network tab's own fields (Ruleset.private_endpoint_ip_configuration).
IP_CONFIGURATION_FIELDS = ("ip_allocation", "static_ip", "application_security_group")


class PrivateEndpointWizard(CreateWizard):
    kind = "privateendpoint"
    title = "Create a private endpoint"
    product = "Microsoft.PrivateEndpoint"
    tabs = (
        ("basics", "Basics"),
        ("resource", "Resource"),
        ("configuration", "Configuration"),
        (REVIEW, "Review + create"),
    )
    field_tabs = {
        "connection_method": "resource",
        "resource_type": "resource",
        "target": "resource",
        "group_id": "resource",
        "resource_id": "resource",
        "request_message": "resource",
        "vnet": "configuration",
        "subnet": "configuration",
        "integrate_dns": "configuration",
    }
    name_kind = "private_endpoint"
    # portal-ui §7.1 [newer]: the Configuration tab's two halves are tabs of their own.
    SPLIT_TABS = (
        ("basics", "Basics"),
        ("resource", "Resource"),
        ("network", "Virtual Network"),
        ("dns", "DNS"),
        (REVIEW, "Review + create"),
    )
    SPLIT_FIELD_TABS = {
        **field_tabs,
        "vnet": "network",
        "subnet": "network",
        "integrate_dns": "dns",
        **dict.fromkeys(IP_CONFIGURATION_FIELDS, "network"),
    }

    connection_method = forms.ChoiceField(
        choices=[
            (OWN_DIRECTORY, "Connect to an Azure resource in my directory."),
            (BY_ID, "Connect to an Azure resource by resource ID or alias."),
        ],
        initial=OWN_DIRECTORY,
        required=False,
        label="Connection method",
        widget=forms.RadioSelect,
    )
    # The pickers' options are the sandbox's (set in __init__); a value
    # outside them is the service's refusal, not the form's.
    resource_subscription = forms.CharField(required=False, max_length=200, label="Subscription", widget=forms.Select)
    resource_type = forms.CharField(required=False, max_length=80, label="Resource type", widget=forms.Select)
    target = forms.CharField(required=False, max_length=20, label="Resource", widget=forms.Select)
    group_id = forms.CharField(required=False, max_length=32, label="Target sub-resource", widget=forms.Select)
    resource_id = forms.CharField(required=False, max_length=400)
    request_message = forms.CharField(required=False, max_length=400)
    # portal-ui §7.1 [newer]: Basics names the endpoint's network interface.
    nic_name = forms.CharField(required=False, max_length=200, label="Network Interface Name")
    vnet = forms.CharField(required=False, max_length=20, label="Virtual network", widget=forms.Select)
    subnet = forms.CharField(required=False, max_length=20, label="Subnet", widget=forms.Select)
    integrate_dns = forms.ChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        initial="yes",
        required=False,
        label="Integrate with private DNS zone",
        widget=forms.RadioSelect,
    )
    # portal-ui §7.1 [newer]: "Private IP configuration" and "Application security group".
    ip_allocation = forms.ChoiceField(
        choices=[(DYNAMIC, "Dynamically allocate IP address"), (STATIC, "Statically allocate IP address")],
        initial=DYNAMIC,
        required=False,
        label="Private IP configuration",
        widget=forms.RadioSelect,
    )
    static_ip = forms.CharField(required=False, max_length=60, label="Private IP")
    # The lab has no application security groups: the picker is drawn empty and disabled.
    application_security_group = forms.CharField(
        required=False, disabled=True, label="Application security group", widget=Picker
    )

    def __init__(self, sandbox, data=None, rg_name: str = "", target=None):
        if data is not None:
            # A radio group left out of the post shows its default, as the page had it.
            data = data.copy()
            for name in ("connection_method", "integrate_dns", "ip_allocation"):
                if not data.get(name):
                    data[name] = self.base_fields[name].initial
        self.split_tabs = sandbox.rules.private_endpoint_split_tabs
        if self.split_tabs:
            self.tabs, self.field_tabs = self.SPLIT_TABS, self.SPLIT_FIELD_TABS
        self.ip_configuration = sandbox.rules.private_endpoint_ip_configuration
        super().__init__(sandbox, data)
        if not self.ip_configuration:
            for name in IP_CONFIGURATION_FIELDS:
                del self.fields[name]
        if self.split_tabs:
            self.fields["group_id"].label = "Target subresource"
        if rg_name:
            self.initial["resource_group"] = rg_name
        self.initial["resource_type"] = endpoint_services.StorageAccount.arm_type
        if target is not None:
            self.initial["resource_type"] = target.arm_type
            self.initial["target"] = str(target.pk)
            self.initial["region"] = target.location
        self.vnets = list(
            VirtualNetwork.objects.filter(sandbox=sandbox, is_classic=False).select_related("resource_group")
        )
        self._set_choices()

    def _set_choices(self) -> None:
        """The Resource and Configuration tabs' pickers: the sandbox's resources
        of the chosen type, its networks and the chosen network's subnets."""
        subscription = self.subscription_obj.display_name
        self.fields["resource_subscription"].widget.choices = [(subscription, subscription)]
        self.fields["resource_type"].widget.choices = [(t, t) for t in self.resource_types]
        self.fields["target"].widget.choices = [("", "Select a resource")] + [(t.pk, t.name) for t in self.targets]
        self.fields["group_id"].widget.choices = [(self.group_label, self.group_label or "-")]
        self.fields["vnet"].widget.choices = [("", "Select a virtual network")] + [
            (v.pk, f"{v.name} ({v.resource_group.name})") for v in self.vnets
        ]
        self.fields["subnet"].widget.choices = [("", "Select a subnet")] + [
            (
                row["subnet"].pk,
                f"{row['subnet'].name} ({row['subnet'].address_prefix}){' - unavailable' if row['problem'] else ''}",
            )
            for row in self.subnet_rows
        ]
        if self.ip_configuration:
            self.fields["application_security_group"].widget.choices = [("", "No application security groups")]

    # --- layout ------------------------------------------------------------

    @property
    def helpers(self) -> dict:
        """Basics; the Resource tab (the sandbox's resources, or one "by
        resource ID or alias"); the Configuration tab's network pickers and
        its DNS integration. A change of method, type, resource, network
        or integration re-renders the wizard on its tab."""
        stay = {
            "hx-post": "{{ request.path }}",
            "hx-trigger": "change",
            "hx-target": "#create-wizard",
            "hx-swap": "outerHTML",
            "hx-vals": '{"action": "stay"}',
        }
        if self.by_id:
            resource = [
                AzField("resource_id", id="resource-id", star=True, label="Resource ID or alias"),
                AzField("request_message", id="request-message", label="Request message"),
            ]
        else:
            resource = [
                AzField("resource_subscription", id="resource-subscription", star=True),
                AzField("resource_type", id="resource-type", star=True, **stay),
                AzField("target", id="target", star=True, **stay),
            ]
        return {
            "basics": helper(
                wizard_name(),
                *(
                    [AzField("nic_name", id="nic-name", star=True, placeholder=f"{self.value('name') or 'name'}-nic")]
                    if self.split_tabs
                    else []
                ),
                wizard_region(),
                rows=True,
            ),
            "resource": helper(
                AzField(
                    "connection_method",
                    id="connection-method",
                    star=True,
                    stack=True,
                    help="In your own directory the connection is approved at once;"
                    " by resource ID or alias it waits, Pending, for the owner.",
                    rule="PEDNS-30",
                    **stay,
                ),
                *resource,
                AzField(
                    "group_id",
                    id="group-id",
                    star=True,
                    help="blob (storage), sqlServer (SQL), vault (key vault), sites (web app).",
                    rule="PEDNS-01",
                ),
                rows=True,
            ),
            "network": helper(
                AzField("vnet", id="vnet", star=True, **stay),
                AzField(
                    "subnet",
                    id="subnet",
                    star=True,
                    help_template="networking/private_endpoint_create.html#subnet-help",
                    # The subnet's policy shows under it (Current): a new subnet redraws it.
                    **(stay if self.ip_configuration else {}),
                ),
                *(
                    [HTML('{% include "networking/private_endpoint_create.html#network-policy" %}')]
                    if self.ip_configuration
                    else []
                ),
                rows=True,
            ),
            "dns": helper(AzField("integrate_dns", id="integrate-dns", **stay), rows=True),
        }

    @property
    def ip_configuration_helper(self):
        """portal-ui §7.1 [newer], under Networking (whose Subnet row shows the
        subnet's policy with "edit", SUBNET-21): "Private IP configuration"
        with the static grid of the sub-resource's member (SUBNET-01,
        PRIVIP-01), then the "Application security group" picker, empty and
        disabled: the lab has none."""
        page = "networking/private_endpoint_create.html#"
        return helper(
            HTML('<h2 class="az-wizard-section">Private IP configuration</h2>'),
            AzField(
                "ip_allocation",
                id="ip-allocation",
                label_hidden=True,
                stack=True,
                **RERENDER_WIZARD,
            ),
            HTML(f'{{% include "{page}static-ip-grid" %}}'),
            HTML('<h2 class="az-wizard-section">Application security group</h2>'),
            AzField(
                "application_security_group",
                id="application-security-group",
                label_hidden=True,
                disabled=True,
                help_template=page + "asg-help",
            ),
        )

    @property
    def static_ip_helper(self):
        """The static grid's "Private IP" box (its column heads it)."""
        return helper(AzField("static_ip", id="static-ip", label_hidden=True, placeholder="e.g. 10.0.1.10"))

    @property
    def static(self) -> bool:
        return self.ip_configuration and self.value("ip_allocation") == STATIC

    @property
    def member_name(self) -> str:
        """The target sub-resource's member the static grid lists (ARM's memberName)."""
        target = self.chosen_target
        kind = endpoint_services.kind_of(target) if target is not None else self.kind_choice
        return kind.member_name if kind else ""

    @property
    def subnet_policy(self) -> str:
        """The chosen subnet's privateEndpointNetworkPolicies as the era labels it (SUBNET-21)."""
        subnet = self.chosen_subnet
        if subnet is None:
            return ""
        labels = dict(self.sandbox.rules.private_endpoint_policy_choices)
        return labels.get(subnet.private_endpoint_network_policies, subnet.private_endpoint_network_policies)

    # --- choices -----------------------------------------------------------

    @property
    def resource_types(self):
        return list(endpoint_services.TARGET_KINDS)

    @property
    def kind_choice(self):
        return endpoint_services.TARGET_KINDS.get(self.value("resource_type"))

    @property
    def by_id(self) -> bool:
        return self.value("connection_method") == BY_ID

    @cached_property
    def targets(self):
        kind = self.kind_choice
        if kind is None:
            return []
        return list(
            kind.model.objects.filter(sandbox=self.sandbox)
            .select_related("resource_group__subscription")
            .order_by("name")
        )

    @property
    def chosen_target(self):
        if self.by_id:
            return self._target_by_id()
        return next((t for t in self.targets if str(t.pk) == self.value("target")), None)

    def _target_by_id(self):
        wanted = self.value("resource_id").strip().lower()
        if not wanted:
            return None
        for kind in endpoint_services.TARGET_KINDS.values():
            for target in kind.model.objects.filter(sandbox=self.sandbox).select_related(
                "resource_group__subscription"
            ):
                if target.arm_id.lower() == wanted:
                    return target
        return None

    @property
    def group_label(self) -> str:
        target = self.chosen_target
        kind = endpoint_services.kind_of(target) if target is not None else self.kind_choice
        return kind.group_id if kind else ""

    @property
    def chosen_vnet(self):
        return next((v for v in self.vnets if str(v.pk) == self.value("vnet")), None)

    @cached_property
    def subnet_rows(self) -> list[dict]:
        vnet = self.chosen_vnet
        if vnet is None:
            return []
        return [
            {"subnet": s, "problem": endpoint_services.subnet_problem(s, self.sandbox.rules)}
            for s in Subnet.objects.filter(vnet=vnet).select_related("vnet")
        ]

    @property
    def chosen_subnet(self):
        vnet = self.chosen_vnet
        if vnet is None:
            return None
        return Subnet.objects.filter(vnet=vnet, pk=_int(self.value("subnet"))).select_related("vnet").first()

    @property
    def zone_label(self) -> str:
        """'(New) privatelink...' or the existing zone, as the portal shows it."""
        target = self.chosen_target
        kind = endpoint_services.kind_of(target) if target is not None else self.kind_choice
        if kind is None:
            return ""
        existing = endpoint_services.zone_for(self.target_rg, kind.zone) if self.target_rg else None
        if existing is None and not self.target_rg:
            existing = (
                PrivateDnsZone.objects.filter(sandbox=self.sandbox, name__iexact=kind.zone)
                .select_related("resource_group")
                .first()
            )
        return f"{existing.name} ({existing.resource_group.name})" if existing else f"(New) {kind.zone}"

    # --- checks --------------------------------------------------------------

    @property
    def interface_name(self) -> str:
        """Current's "Network Interface Name", "<name>-nic" when left empty; Classic names none."""
        if not self.split_tabs:
            return ""
        name = self.value("name").strip()
        return self.value("nic_name").strip() or (f"{name}-nic" if name else "")

    def check_rules(self, problems, attempt) -> None:
        attempt("name", endpoint_services.validate_endpoint_name, self.value("name"))
        if self.interface_name and attempt("nic_name", endpoint_services.validate_nic_name, self.interface_name):
            attempt("nic_name", endpoint_services.check_nic_name_free, self.target_rg, self.interface_name)
        target = self.chosen_target
        if target is None:
            key = "resource_id" if self.by_id else "target"
            problems.setdefault(
                key, Problem("Select a resource." if not self.by_id else "No resource has that resource ID.")
            )
        else:
            kind = endpoint_services.kind_of(target)
            group = self.value("group_id") or kind.group_id
            attempt("target", endpoint_services.check_target, target, group)
        subnet = self.chosen_subnet
        if self.chosen_vnet is None:
            problems.setdefault("vnet", Problem("Select a virtual network."))
        elif subnet is None:
            problems.setdefault("subnet", Problem("Select a subnet."))
        else:
            attempt("subnet", endpoint_services.check_subnet, subnet, self.sandbox.rules)
            if "subnet" not in problems and subnet.vnet.location != self.value("region"):
                problems["subnet"] = Problem.of(
                    rule_error(
                        f"'{subnet.vnet.name}' is in {subnet.vnet.region_label}. A private endpoint's virtual network must be in its region.",
                        "VNET-03",
                    )
                )
            if not any(key in problems for key in ("name", "subnet")):
                attempt(
                    "name",
                    endpoint_services.check_new_endpoint,
                    self.sandbox,
                    self.target_rg,
                    name=self.value("name").strip(),
                    subnet=subnet,
                    request_message=self.value("request_message").strip(),
                )
            # Create gives the endpoint's NIC an address last; so does Review.
            if self.static:
                attempt("subnet", compute_services.check_ip_limits, subnet)
                attempt("static_ip", endpoint_services.check_static_ip, subnet, self.value("static_ip"))
            else:
                attempt("subnet", compute_services.check_room_for_nic, subnet)

    def create(self, rg):
        target = self.chosen_target
        return endpoint_services.create_endpoint(
            rg,
            name=self.cleaned_data["name"],
            location=self.cleaned_data["region"],
            target=target,
            group_id=self.value("group_id") or (endpoint_services.kind_of(target).group_id if target else ""),
            subnet=self.chosen_subnet,
            integrate_dns=self.value("integrate_dns") != "no",
            manual=self.by_id,
            request_message=self.value("request_message").strip(),
            nic_name=self.interface_name,
            private_ip=self.value("static_ip").strip() if self.static else "",
        )

    def instance_summary(self):
        rows = super().instance_summary()
        return [*rows[:1], ("Network Interface Name", self.interface_name), *rows[1:]] if self.split_tabs else rows

    def extra_summary(self):
        target, subnet = self.chosen_target, self.chosen_subnet
        resource = [
            (
                "Connection method",
                dict(self.fields["connection_method"].choices).get(
                    self.value("connection_method") or OWN_DIRECTORY, ""
                ),
            ),
            ("Resource type", target.arm_type if target else self.value("resource_type")),
            ("Resource", target.name if target else ""),
            (self.fields["group_id"].label, self.group_label),
        ]
        configuration = [
            ("Virtual network", self.chosen_vnet.name if self.chosen_vnet else ""),
            ("Subnet", f"{subnet.name} ({subnet.address_prefix})" if subnet else ""),
            ("Integrate with private DNS zone", "Yes" if self.value("integrate_dns") != "no" else "No"),
        ]
        if self.value("integrate_dns") != "no":
            configuration.append(("Private DNS Zone", self.zone_label))
        if self.split_tabs:
            network = configuration[:2]
            if self.ip_configuration:
                network.append(("Private IP configuration", self.ip_allocation_summary))
            return [("Resource", resource), ("Virtual Network", network), ("DNS", configuration[2:])]
        return [("Resource", resource), ("Configuration", configuration)]


    @property
    def ip_allocation_summary(self) -> str:
        if not self.static:
            return "Dynamically allocate IP address"
        return f"Statically allocate IP address ({self.member_name}: {self.value('static_ip').strip()})"


def _int(raw) -> int | None:
    return parse_pk(raw)


__all__ = ["AzureRuleError", "PrivateEndpointWizard"]


class NamedTargetForm(forms.Form):
    """ "+ Private endpoint" on a PaaS resource's connections page names the
    resource the wizard starts on: ``?target=<ARM type>:<pk>``."""

    target = Text(200)

    def resource(self, sandbox):
        """That resource of ``sandbox``, or None for anything else."""
        arm_type, _, pk = parsed(self)["target"].rpartition(":")
        kind = endpoint_services.TARGET_KINDS.get(arm_type)
        pk = parse_pk(pk)
        if kind is None or pk is None:
            return None
        return kind.model.objects.filter(sandbox=sandbox, pk=pk).first()


class SubnetPolicyForm(forms.Form):
    """ "Edit subnet network policy" (portal-ui §7.1 [newer], from the wizard's
    "edit"): the subnet's private endpoint network policy as the Subnets
    blade's newer pane draws it, two checkboxes (SUBNET-21)."""

    pe_policy_nsg = forms.BooleanField(required=False, label="Network security groups")
    pe_policy_rt = forms.BooleanField(required=False, label="Route tables")

    def __init__(self, subnet: Subnet, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.subnet = subnet
        if not self.is_bound:
            boxes = POLICY_BOXES.get(subnet.private_endpoint_network_policies, (False, False))
            self.initial["pe_policy_nsg"], self.initial["pe_policy_rt"] = boxes

    @property
    def helper(self):
        return helper(
            AzField("pe_policy_nsg", id="policy-pane-nsg"),
            AzField(
                "pe_policy_rt",
                id="policy-pane-rt",
                help_template="networking/private_endpoint_policy_pane.html#policies-help",
            ),
        )

    @property
    def policies(self) -> str:
        """The privateEndpointNetworkPolicies value the boxes write (SUBNET-21)."""
        return POLICY_OF_BOXES[(bool(self.cleaned_data["pe_policy_nsg"]), bool(self.cleaned_data["pe_policy_rt"]))]


class SubnetPolicyTarget(forms.Form):
    """The pane's ``?subnet=<pk>``: a subnet of the sandbox, or None."""

    subnet = PkField()

    def subnet_of(self, sandbox) -> Subnet | None:
        pk = parsed(self)["subnet"]
        if pk is None:
            return None
        return (
            Subnet.objects.filter(pk=pk, vnet__sandbox=sandbox, vnet__is_classic=False)
            .select_related("vnet__resource_group__subscription", "vnet__sandbox", "nsg", "route_table")
            .first()
        )
