"""Create wizard of a virtual machine (Basics, Networking)."""

from django import forms

from networking.models import NetworkSecurityGroup, Subnet, VirtualNetwork
from networking.services import compute as compute_services
from portal.forms import REVIEW, CreateWizard, Problem
from portal.layout import RERENDER_WIZARD, AzField, helper, wizard_name, wizard_region


class NotedSelect(forms.Select):
    """A drop-down whose options after the first with an empty value are
    notes ("No virtual networks in East US"): shown, never chosen."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if index and value == "":
            option["attrs"]["disabled"] = True
        return option


class VirtualMachineWizard(CreateWizard):
    kind = "virtualmachine"
    title = "Create a virtual machine"
    product = "Microsoft.VirtualMachine"
    tabs = (("basics", "Basics"), ("networking", "Networking"), (REVIEW, "Review + create"))
    field_tabs = {"vnet": "networking", "subnet": "networking", "public_ip": "networking", "nsg": "networking"}
    name_kind = "vm"

    image = forms.ChoiceField(
        choices=[("Linux", "Ubuntu Server 20.04 LTS - Gen1"), ("Windows", "Windows Server 2019 Datacenter - Gen1")],
        initial="Linux",
        label="Image",
    )
    size = forms.ChoiceField(choices=[(s, s) for s in compute_services.VM_SIZES], initial="Standard_B2s", label="Size")
    vnet = forms.CharField(required=False, max_length=20)
    subnet = forms.CharField(required=False, max_length=20)
    public_ip = forms.ChoiceField(choices=[("none", "None"), ("new", "(new)")], initial="none", required=False)
    nsg = forms.CharField(required=False, max_length=20)

    @property
    def helper(self):
        """Basics > Instance details."""
        return helper(
            wizard_name(label="Virtual machine name"),
            wizard_region(),
            AzField("image", id="image", star=True),
            AzField("size", id="size", star=True),
            rows=True,
        )

    def __init__(self, sandbox, data=None, rg_name: str = ""):
        super().__init__(sandbox, data)
        if rg_name:
            self.initial["resource_group"] = rg_name
        self.vnets = list(
            VirtualNetwork.objects.filter(sandbox=sandbox, is_classic=False).select_related("resource_group")
        )
        self.nsgs = list(NetworkSecurityGroup.objects.filter(sandbox=sandbox).select_related("resource_group"))
        # The Networking tab's lists: the sandbox's rows, read when the tab is drawn.
        self.fields["vnet"].widget = NotedSelect(choices=self._vnet_choices)
        self.fields["subnet"].widget = forms.Select(choices=self._subnet_choices)
        self.fields["public_ip"].widget = forms.Select(choices=self._public_ip_choices)
        self.fields["nsg"].widget = forms.Select(choices=self._nsg_choices)

    def _vnet_choices(self) -> list[tuple[str, str]]:
        vnets = [(str(v.pk), f"{v.name} ({v.resource_group.name})") for v in self.region_vnets]
        return [("", "Select a virtual network"), *(vnets or [("", f"No virtual networks in {self.region_label}")])]

    def _subnet_choices(self) -> list[tuple[str, str]]:
        rows = [
            (str(row["subnet"].pk), f"{row['subnet'].name} ({row['subnet'].address_prefix})", row["problem"])
            for row in self.subnet_rows
        ]
        return [
            ("", "Select a subnet"),
            *((pk, f"{text} - {problem[0]}" if problem else text) for pk, text, problem in rows),
        ]

    def _public_ip_choices(self) -> list[tuple[str, str]]:
        return [("none", "None"), ("new", f"(new) {self.value('name') or 'vm'}-ip")]

    def _nsg_choices(self) -> list[tuple[str, str]]:
        return [("", "None"), *((str(n.pk), f"{n.name} ({n.resource_group.name})") for n in self.nsgs)]

    @property
    def networking_helper(self):
        """Networking > Network interface: changing the virtual network redraws the wizard with its subnets."""
        return helper(
            AzField(
                "vnet",
                id="vnet",
                label="Virtual network",
                star=True,
                help="Virtual networks in the VM's region.",
                rule="VNET-03",
                **RERENDER_WIZARD,
            ),
            AzField("subnet", id="subnet", star=True),
            AzField("public_ip", id="public-ip", label="Public IP"),
            AzField(
                "nsg",
                id="nsg",
                label="NIC network security group",
                help="At most one NSG per network interface.",
                rule="NSG-20",
            ),
            rows=True,
        )

    @property
    def chosen_vnet(self):
        value = self.value("vnet")
        vnets = [v for v in self.vnets if v.location == self.value("region")]
        return next((v for v in vnets if str(v.pk) == value), None)

    @property
    def region_vnets(self):
        return [v for v in self.vnets if v.location == self.value("region")]

    @property
    def subnet_rows(self) -> list[dict]:
        vnet = self.chosen_vnet
        if vnet is None:
            return []
        rows = []
        for subnet in Subnet.objects.filter(vnet=vnet).select_related("vnet"):
            problem = compute_services.nic_subnet_problem(subnet, self.value("region"))
            rows.append({"subnet": subnet, "problem": problem})
        return rows

    @property
    def chosen_subnet(self):
        value = self.value("subnet")
        return next((r["subnet"] for r in self.subnet_rows if str(r["subnet"].pk) == value), None)

    @property
    def chosen_nsg(self):
        return next((n for n in self.nsgs if str(n.pk) == self.value("nsg")), None)

    def check_rules(self, problems, attempt) -> None:
        os_type = self.value("image") if self.value("image") in ("Linux", "Windows") else "Linux"
        name = attempt("name", compute_services.validate_vm_name, self.value("name"), os_type)
        if name:
            attempt("name", compute_services.check_vm_name_free, self.target_rg, name)
        if "vnet" not in problems and self.chosen_vnet is None:
            problems["vnet"] = Problem("Select a virtual network in the virtual machine's region.")
        elif "subnet" not in problems:
            subnet = self.chosen_subnet
            if subnet is None:
                problems["subnet"] = Problem("Select a subnet.")
            else:
                problem = compute_services.nic_subnet_problem(subnet, self.value("region"))
                if problem:
                    problems["subnet"] = Problem(problem[0], f"Learn more: {problem[1]}")
                else:
                    attempt("subnet", compute_services.check_room_for_nic, subnet)
        if self.value("nsg") and self.chosen_nsg is None:
            problems["nsg"] = Problem("Select a network security group.")
        elif "region" not in problems:
            attempt("nsg", compute_services.check_nic_nsg, self.chosen_nsg, self.value("region"))

    def create(self, rg):
        return compute_services.create_vm(
            rg,
            name=self.cleaned_data["name"],
            location=self.cleaned_data["region"],
            size=self.cleaned_data["size"],
            os_type=self.cleaned_data["image"],
            subnet=self.chosen_subnet,
            public_ip=self.value("public_ip") == "new",
            nsg=self.chosen_nsg,
        )

    def instance_summary(self):
        return [
            ("Virtual machine name", self.value("name")),
            ("Region", self.region_label),
            ("Image", dict(self.fields["image"].choices).get(self.value("image"), "")),
            ("Size", self.value("size")),
        ]

    def extra_summary(self):
        vnet, subnet, nsg = self.chosen_vnet, self.chosen_subnet, self.chosen_nsg
        return [
            (
                "Networking",
                [
                    ("Virtual network", vnet.name if vnet else ""),
                    ("Subnet", f"{subnet.name} ({subnet.address_prefix})" if subnet else ""),
                    ("Public IP", f"(new) {self.value('name')}-ip" if self.value("public_ip") == "new" else "None"),
                    ("NIC network security group", nsg.name if nsg else "None"),
                ],
            )
        ]
