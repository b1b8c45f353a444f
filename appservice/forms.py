"""The App Service forms: the create wizards "Create App Service Plan" and
"Create Web App" (portal-ui §1.4), and the blades' small forms (what a
request carries, parsed). Field shape is the form's; Azure's rules are the
services' and naming's, with their rule IDs."""

from dataclasses import dataclass, field
from types import SimpleNamespace

from django import forms

from appservice import runtimes, services
from appservice.models import ISOLATED_TIERS, SKUS, AppServicePlan, ConnectionString, WebApp, sku_display
from networking.forms.fields import PkField, Text, parsed
from networking.models import Subnet, VirtualNetwork
from portal import paging
from portal.errors import AzureRuleError, rule_error
from portal.forms import REVIEW, CreateWizard, Problem
from portal.inputs import DB_INT_MAX, parse_int
from portal.layout import RERENDER_WIZARD, AzField, Picker, helper, wizard_name, wizard_region
from portal.models import REGIONS
from portal.naming import validate_name
from portal.prepared import PreparedInstances


def _sku_choices():
    return [(sku, sku_display(sku)) for sku in SKUS]


class AppServicePlanWizard(CreateWizard):
    kind = "appserviceplan"
    title = "Create App Service Plan"
    product = "Microsoft.AppServicePlan"
    wizard_template = "appservice/create_appserviceplan.html"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "plan"

    os = forms.ChoiceField(
        choices=AppServicePlan.OS_CHOICES, initial="Windows", label="Operating System", widget=forms.RadioSelect
    )

    @property
    def helper(self):
        """Name, OS and region; the pricing tiers (some disabled) are drawn by the template."""
        return helper(wizard_name(), AzField("os", id="os", star=True), wizard_region(), rows=True)

    sku = forms.ChoiceField(choices=_sku_choices, initial="S1", label="Pricing tier")

    def check_rules(self, problems, attempt) -> None:
        name = attempt("name", validate_name, "plan", self.value("name"))
        if (
            name
            and self.target_rg
            and AppServicePlan.objects.filter(resource_group=self.target_rg, name__iexact=name).exists()
        ):
            problems["name"] = Problem.of(
                rule_error(
                    f"An App Service plan named '{name}' already exists in '{self.target_rg.name}'.", "NAMING-04"
                )
            )
        sku = self.value("sku")
        if "sku" not in problems and SKUS.get(sku, ("",))[0] in ISOLATED_TIERS:
            problems["sku"] = Problem.of(
                rule_error(
                    "Isolated plans are created inside an App Service Environment, which the lab doesn't create.",
                    "ASVI-12",
                )
            )

    @property
    def tier_rows(self) -> list[dict]:
        """Every pricing tier with whether it can use VNet integration in this era (ASVI-10)."""
        supported = self.sandbox.rules.regional_integration_tiers
        return [
            {
                "sku": sku,
                "label": sku_display(sku),
                "tier": display,
                "isolated": tier in ISOLATED_TIERS,
                "vnet": tier in supported,
                "selected": sku == self.value("sku"),
            }
            for sku, (tier, display) in SKUS.items()
        ]

    def create(self, rg):
        return services.create_plan(
            rg,
            name=self.cleaned_data["name"],
            location=self.cleaned_data["region"],
            os_name=self.cleaned_data["os"],
            sku=self.cleaned_data["sku"],
        )

    def instance_summary(self):
        sku = self.value("sku")
        tier = SKUS.get(sku, ("", ""))[1]
        return [
            ("Name", self.value("name")),
            ("Operating System", self.value("os")),
            ("Region", self.region_label),
            ("Pricing tier", f"{sku_display(sku)} ({tier})" if tier else sku),
        ]


class WebAppWizard(CreateWizard):
    kind = "webapp"
    title = "Create Web App"
    product = "Microsoft.Web-WebApp-Portal"
    wizard_template = "appservice/create_webapp.html"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "webapp"

    publish = forms.ChoiceField(choices=[("code", "Code")], initial="code", label="Publish", widget=forms.RadioSelect)
    # The era's stacks (set by __init__), in groups as the portal's drop-down heads them.
    runtime_stack = Text(24, label="Runtime stack", widget=Picker)
    os = forms.ChoiceField(
        choices=[(runtimes.LINUX, "Linux"), (runtimes.WINDOWS, "Windows")],
        initial=runtimes.WINDOWS,
        label="Operating System",
        widget=forms.RadioSelect,
    )
    # The sandbox's plans of the chosen OS (set by __init__); any other is "Select an App Service plan".
    plan = Text(40, label="App Service Plan", widget=Picker)

    def __init__(self, sandbox, data=None):
        super().__init__(sandbox, data)
        # The region is the plan's (an app runs in its plan's region), so it isn't asked.
        self.fields["region"].required = False
        self.stacks = runtimes.offered(sandbox.era)
        self._offer_stacks()
        # The stack decides the operating system when it runs on one only.
        os_name = self.value("os") if self.value("os") in (runtimes.LINUX, runtimes.WINDOWS) else "Windows"
        stack = self.chosen_stack
        if stack is not None and os_name not in stack.systems:
            os_name = stack.systems[0]
        self.fields["os"].widget.disabled = {
            system: f"{stack.label} doesn't run on {system}."
            for system in (runtimes.LINUX, runtimes.WINDOWS)
            if stack is not None and system not in stack.systems
        }
        all_plans = AppServicePlan.objects.filter(sandbox=sandbox).select_related("resource_group").order_by("name")
        self.plans = [p for p in all_plans if p.os == os_name]
        # Azure never preselects a plan of an App Service Environment: the
        # learner's first multitenant plan of that OS, or none.
        own = next((p for p in self.plans if not p.in_ase), None)
        default_plan = str(own.pk) if own else ""
        if self.is_bound:
            self.data = self.data.copy()
            self.data["os"] = os_name
            other_os = {str(p.pk) for p in all_plans if p.os != os_name}
            if self.data.get("plan") in other_os:
                # A plan of the other OS (the stack or OS just changed): the list starts over.
                self.data["plan"] = default_plan
        else:
            self.initial.update(os=os_name, plan=default_plan)
        self.fields["plan"].widget.choices = [("", "Select an App Service plan")] + [
            (str(p.pk), f"{p.name} ({p.sku_label}, {p.region_label})") for p in self.plans
        ]
        # Shown as the portal shows it, not offered: only code is published here.
        publish = self.fields["publish"].widget
        publish.choices = [*publish.choices, ("docker", "Docker Container")]
        publish.disabled = {"docker": "Not simulated in VNet Lab"}

    def _offer_stacks(self) -> None:
        groups: dict[str, list[tuple[str, str]]] = {}
        for stack in self.stacks:
            groups.setdefault(stack.group, []).append((stack.key, stack.label))
        self.fields["runtime_stack"].widget.choices = [("", "Select a runtime stack"), *groups.items()]

    @property
    def chosen_stack(self) -> runtimes.Runtime | None:
        value = self.value("runtime_stack")
        return next((s for s in self.stacks if s.key == value), None)

    @property
    def helpers(self) -> dict:
        """Basics: the name with its live check (NAMING-05), Publish, Runtime
        stack and the Operating System it allows; then the plan, labelled
        with the operating system and its region once picked."""
        page = "appservice/create_webapp.html#"
        plan = self.chosen_plan
        wizard = {"hx-post": "{{ request.path }}"}
        return {
            "name": helper(
                wizard_name(
                    suffix=".azurewebsites.net",
                    after_template=page + "name-after",
                    **wizard,
                    **{
                        "hx-trigger": "input changed delay:400ms",
                        "hx-target": "#name-check",
                        "hx-swap": "outerHTML",
                        "hx-vals": '{"action": "check_name"}',
                    },
                ),
                AzField("publish", id="publish", star=True),
                AzField("runtime_stack", id="runtime-stack", star=True, **RERENDER_WIZARD),
                AzField(
                    "os",
                    id="webapp-os",
                    star=True,
                    help="The runtime stack decides where it can run; the App Service plan runs the same operating system.",
                    **RERENDER_WIZARD,
                ),
                rows=True,
            ),
            "plan": helper(
                AzField(
                    "plan",
                    id="plan",
                    star=True,
                    label=f"{self.value('os')} Plan ({plan.region_label})" if plan else f"{self.value('os')} Plan",
                    after_template=page + "plan-after",
                    **wizard,
                    **{"hx-trigger": "change", "hx-vals": '{"action": "stay"}'},
                ),
                rows=True,
            ),
        }

    @property
    def chosen_plan(self) -> AppServicePlan | None:
        value = self.value("plan")
        return next((p for p in self.plans if str(p.pk) == value), None)

    @property
    def region_label(self) -> str:
        plan = self.chosen_plan
        return REGIONS.get(plan.location, plan.location) if plan else ""

    @property
    def name_status(self) -> dict:
        """Whether <name>.azurewebsites.net is free in the sandbox (NAMING-05)."""
        text = self.value("name").strip()
        if not text:
            return {}
        try:
            name = validate_name("webapp", text)
        except AzureRuleError as exc:
            return {"ok": False, "problem": Problem.of(exc)}
        if WebApp.objects.filter(sandbox=self.sandbox, name__iexact=name).exists():
            return {"ok": False, "problem": self._taken(name)}
        return {"ok": True, "host": f"{name.lower()}.azurewebsites.net"}

    @staticmethod
    def _taken(name: str) -> Problem:
        return Problem.of(
            rule_error(
                f"Web app name '{name}' is not available: {name.lower()}.azurewebsites.net is taken.", "NAMING-05"
            )
        )

    def check_rules(self, problems, attempt) -> None:
        name = attempt("name", validate_name, "webapp", self.value("name"))
        if name and WebApp.objects.filter(sandbox=self.sandbox, name__iexact=name).exists():
            problems["name"] = self._taken(name)
        if "runtime_stack" not in problems and self.chosen_stack is None:
            problems["runtime_stack"] = Problem("Select a runtime stack.")
        if "plan" not in problems and self.chosen_plan is None:
            # Plans of another sandbox are not among the choices (DESIGN: Tenancy).
            problems["plan"] = Problem("Select an App Service plan of this subscription.")

    def deploy(self):
        self.cleaned_data["region"] = self.chosen_plan.location
        return super().deploy()

    def create(self, rg):
        return services.create_webapp(
            rg, name=self.cleaned_data["name"], plan=self.chosen_plan, runtime=self.chosen_stack.key
        )

    def instance_summary(self):
        plan, stack = self.chosen_plan, self.chosen_stack
        return [
            ("Name", self.value("name")),
            ("Publish", "Code"),
            ("Runtime stack", stack.label if stack else ""),
            ("Operating System", self.value("os")),
            ("Region", self.region_label),
            ("App Service Plan", f"{plan.name} ({plan.sku_label})" if plan else ""),
        ]


# --- The blades' small forms ------------------------------------------------------------------


DETAILS = {
    "hx-get": "{{ urls.add_vnet_details }}",
    "hx-trigger": "change",
    "hx-target": "#vnet-details",
    "hx-include": "closest form",
}


@dataclass
class _VnetList:
    """What the Add VNet pane's network drop-down shows of the sandbox's networks."""

    filter: str
    shown: int = 0
    matching: int = 0
    total: int = 0

    def add(self, shown: int, matching: int, total: int) -> None:
        self.shown += shown
        self.matching += matching
        self.total += total

    @property
    def long(self) -> bool:
        """A filter box under the drop-down: the list is cut, or filtered."""
        return self.shown < self.total or bool(self.filter)

    @property
    def showing(self) -> str:
        if self.filter:
            text = f"{self.matching} of {self.total} virtual networks match '{self.filter}'"
            return text + (f"; showing {self.shown}." if self.shown < self.matching else ".")
        return f"Showing {self.shown} of {self.total} virtual networks. Filter to find the others."


# The posted network of the Add VNet pane: one of the sandbox's ARM networks.
_ARM_VNET = PreparedInstances(
    lambda sandbox, pk: VirtualNetwork.objects.filter(sandbox=sandbox, is_classic=False, pk=pk).select_related(
        "resource_group__subscription", "sandbox"
    ),
    sandbox=-7_700_000_011,
    pk=-7_700_000_012,
)


def _posted_pk(value) -> int:
    """A posted primary key as a drop-down's option value is written (digits,
    no sign or leading zero), or 0, which no row has."""
    text = str(value or "")
    if text.isascii() and text.isdigit() and not text.startswith("0") and int(text) <= DB_INT_MAX:
        return int(text)
    return 0


class AddVnetForm(forms.Form):
    """The "Add VNet" pane (SEED-09 to SEED-13): a virtual network of the
    sandbox and, in the app's region, a new subnet (name and range) or an
    existing one of that network. The pickers offer only the sandbox's
    networks and the chosen network's subnets; anything else is "Select a
    virtual network." or "Select a subnet." (SEED-10), as Azure's pane says."""

    # Drawn in the Current era only (portal-ui §2.3 [newer]); a sandbox has one subscription.
    subscription = forms.ChoiceField(required=False, label="Subscription", widget=Picker)
    vnet = forms.ChoiceField(
        required=False,
        label="Virtual Network",
        widget=Picker,
        error_messages={"invalid_choice": "Select a virtual network."},
    )
    subnet_mode = forms.ChoiceField(
        choices=[("new", "Create New Subnet"), ("existing", "Select Existing")],
        required=False,
        initial="new",
        label="Subnet",
        widget=forms.RadioSelect,
    )
    subnet = forms.ChoiceField(required=False, label="Subnet", widget=Picker)
    subnet_name = Text(80, label="Subnet Name")
    address_block = forms.ChoiceField(required=False, label="Virtual Network Address Block", widget=Picker)
    subnet_prefix = Text(60, label="Subnet Address Block")

    def __init__(self, app: WebApp, data=None, *, vnet_filter="", chosen="", drawn=True) -> None:
        """``drawn=False``: a posted pane read to act on, not to be drawn: the
        network and subnet are checked against the sandbox's networks and
        the network's subnets as the drawn pickers would check them, without
        working out the pickers' options and why some are unavailable (the
        services check the choice itself). A pane drawn again after a
        refusal is a drawn form."""
        if data is not None:
            data = data.copy()
            # The pane opens on "Create New Subnet" (SEED-10): any other answer is that.
            data["subnet_mode"] = "existing" if data.get("subnet_mode") == "existing" else "new"
            vnet_filter = data.get("vnet_filter", "")
        super().__init__(data, initial={"vnet": chosen} if chosen and data is None else None)
        self.app = app
        self.newer = app.sandbox.rules.newer_app_service_blades
        if self.newer:
            self._use_newer_labels()
        self.subnets = None  # the chosen same-region network's subnets, when it can be used
        if not drawn:
            self._read_posted()
            return
        self.choices = services.vnet_choices(app, classic=False)
        region = app.region_label
        same_label = f"Virtual networks in {region} (same region)"
        other_label = "Virtual networks in other regions (gateway-required)"
        groups = [
            (
                same_label,
                "same-region",
                f"No virtual networks in {region}",
                [
                    (
                        str(c.obj.pk),
                        f"{c.obj.name} ({c.obj.resource_group.name})" + ("" if c.enabled else " - unavailable"),
                    )
                    for c in self.choices.same_region
                ],
            ),
            (
                other_label,
                "other-regions",
                "No virtual networks in other regions",
                [(str(c.obj.pk), f"{c.obj.name} ({c.obj.region_label})") for c in self.choices.other_regions],
            ),
        ]
        # Every network may be posted; the drop-down draws a page of them.
        self.fields["vnet"].choices = [("", "Select a virtual network")] + [(g[0], g[3]) for g in groups]
        picker = self.fields["vnet"].widget
        picker.disabled = {str(c.obj.pk) for c in self.choices.same_region if not c.enabled}
        self.vnet_list = _VnetList(paging.filter_text(vnet_filter))
        self._show_vnets(groups)
        self.vnet = self._chosen_vnet()
        if self.same_region:
            self._offer_subnets()
        if self.is_bound:
            self.is_valid()
        else:
            self.cleaned_data = {}
        if self.subnets is not None and not self.data.get("subnet_prefix"):
            # Shown, not sent: an empty range is still refused (ASVI-23).
            self.data = self.data.copy() if self.is_bound else {}
            self.data["subnet_prefix"] = self.subnets.suggested_prefix

    def _show_vnets(self, groups) -> None:
        """The drop-down's options: in each group, the networks that match
        "Filter virtual networks" (name, resource group or region), at most a
        page of them (portal.paging.PAGE_SIZE), the chosen one always; a
        greyed last line says how many more the filter would find
        (docs/fidelity.md "Long grids")."""
        picker = self.fields["vnet"].widget
        chosen = str(self.data.get("vnet", "") if self.is_bound else self.initial.get("vnet", ""))
        needle = self.vnet_list.filter.lower()
        shown = [("", "Select a virtual network")]
        for label, data_group, empty, options in groups:
            matching = [o for o in options if needle in o[1].lower()] if needle else options
            kept = matching[: paging.PAGE_SIZE]
            more = len(matching) - len(kept)
            picked = next((o for o in options if o[0] == chosen), None)
            if picked is not None and picked not in kept:
                kept.append(picked)
                more -= picked in matching
            self.vnet_list.add(len(kept), len(matching), len(options))
            if more > 0:
                line = f"more-{data_group}"
                kept.append((line, f"{more} more: filter virtual networks to find them"))
                picker.disabled.add(line)
            shown.append((label, kept))
            picker.groups[label] = (
                data_group,
                f"No virtual networks match '{self.vnet_list.filter}'" if needle else empty,
            )
        picker.choices = shown

    def _read_posted(self) -> None:
        """The posted network, if it is one of the sandbox's ARM networks (what
        the drop-down offers), and in the app's region any of its subnets
        (what the subnet picker accepts, usable or not)."""
        self.choices = None
        self.vnet = _ARM_VNET.first(sandbox=self.app.sandbox_id, pk=_posted_pk(self.data.get("vnet")))
        self.fields["vnet"].choices = [("", "")] + ([(str(self.vnet.pk), self.vnet.name)] if self.vnet else [])
        self._posted_subnets: dict[str, Subnet] = {}
        if self.same_region:
            self._posted_subnets = {str(s.pk): s for s in self.vnet.subnets.all()}
            self.fields["subnet"].choices = [("", "")] + [(pk, pk) for pk in self._posted_subnets]
        self.is_valid()

    def _use_newer_labels(self) -> None:
        """The 2023-2026 "Add virtual network integration" pane's words
        (portal-ui §2.3 [newer]; the subnet labels are unconfirmed)."""
        subscription = self.app.resource_group.subscription
        self.fields["subscription"].choices = [(subscription.subscription_id, subscription.display_name)]
        self.fields["vnet"].label = "Virtual network"
        self.fields["subnet_mode"].choices = [("new", "Create new"), ("existing", "Select existing")]
        self.fields["subnet_name"].label = "Subnet name"
        self.fields["address_block"].label = "Virtual network address space"
        self.fields["subnet_prefix"].label = "Subnet address range"

    def _chosen_vnet(self) -> VirtualNetwork | None:
        pk = str(self.data.get("vnet", "")) if self.is_bound else ""
        if not pk or not self.fields["vnet"].valid_value(pk):
            return None
        # Only this sandbox's ARM networks are among the choices (DESIGN: Tenancy).
        return VirtualNetwork.objects.select_related("resource_group__subscription", "sandbox").get(pk=int(pk))

    @property
    def same_region(self) -> bool:
        return self.vnet is not None and self.vnet.location == self.app.location

    @property
    def vnet_choice(self) -> services.Choice | None:
        if self.vnet is None:
            return None
        return next(
            (c for c in self.choices.same_region + self.choices.other_regions if c.obj.pk == self.vnet.pk), None
        )

    def _offer_subnets(self) -> None:
        """The existing subnets (an unusable one shown, not pickable) and the
        network's address blocks; Subnet Address Block starts on a free /26."""
        subnet = self.fields["subnet"]
        if self.vnet_choice.enabled:
            self.subnets = services.subnet_choices(self.app, self.vnet)
            subnet.choices = [("", "Select a subnet")] + [
                (str(c.obj.pk), f"{c.obj.name} ({c.obj.address_prefix})" + ("" if c.enabled else " - unavailable"))
                for c in self.subnets.subnets
            ]
            subnet.widget.disabled = {str(c.obj.pk) for c in self.subnets.subnets if not c.enabled}
            self.fields["address_block"].choices = [(block, block) for block in self.subnets.address_blocks]
        else:
            # Not drawn (the pane says why), yet the service refuses the network with its rule.
            subnet.choices = [(str(pk), pk) for pk in self.vnet.subnets.values_list("pk", flat=True)]

    @property
    def existing(self) -> bool:
        return self.cleaned_data.get("subnet_mode") == "existing"

    def chosen_subnet(self) -> Subnet | None:
        pk = self.cleaned_data.get("subnet")
        if not pk:
            return None
        if self.choices is None:  # read, not drawn: the network's subnets are loaded
            return self._posted_subnets.get(pk)
        return Subnet.objects.filter(vnet=self.vnet, pk=int(pk)).first()

    @property
    def helper(self):
        """The network picker (after the subscription's, in the Current era);
        the subnet fields below it are :attr:`mode_helper` and the rest."""
        vnet = AzField(
            "vnet",
            id="vnet-select",
            star=True,
            help_template="appservice/add_vnet.html#vnet-help",
            after_template="appservice/add_vnet.html#vnet-filter",
            **DETAILS,
        )
        if self.newer:
            return helper(AzField("subscription", id="subscription-select", star=True), vnet)
        return helper(vnet)

    @property
    def mode_helper(self):
        return helper(
            AzField(
                "subnet_mode",
                id="subnet-mode",
                option_prefix="mode",
                star=True,
                help="A same-region virtual network needs a dedicated subnet: create one, or pick an empty one. It is delegated to Microsoft.Web/serverFarms.",
                rule="SEED-10, ASVI-24",
                **DETAILS,
            )
        )

    @property
    def existing_helper(self):
        return helper(AzField("subnet", id="subnet-select", star=True))

    @property
    def new_helper(self):
        return helper(
            AzField(
                "subnet_name", id="subnet-name", star=True, placeholder="e.g. vnet-integration-subnet", maxlength="80"
            ),
            AzField("address_block", id="address-block"),
            AzField(
                "subnet_prefix",
                id="subnet-prefix",
                star=True,
                placeholder="e.g. 10.0.4.0/26",
                help_template="appservice/add_vnet.html#prefix-help",
            ),
        )


CLASSIC_VNET_ERROR = "Select a classic virtual network."


class ClassicVnetForm(forms.Form):
    """ "Click here to connect to a Classic VNet" (SEED-12): the sandbox's
    classic networks, each with why it can or can't be used (its gateway's
    point-to-site). One shown disabled may still be sent: the service then
    refuses it with its rule; anything else is "Select a classic virtual
    network."."""

    vnet = forms.ChoiceField(
        required=False,
        label="Virtual Network",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": CLASSIC_VNET_ERROR},
    )

    def __init__(self, app: WebApp, data=None) -> None:
        super().__init__(data)
        self.choices = services.vnet_choices(app).classic
        self.plan_problem = services.plan_problem(app.plan)
        # Each option's label is its services.Choice: the pane shows its details and reason.
        self.fields["vnet"].choices = [(str(c.obj.pk), c) for c in self.choices]
        self.fields["vnet"].widget.disabled = {
            str(c.obj.pk): "" for c in self.choices if self.plan_problem or not c.enabled
        }
        self.problems: dict = {}  # a refusal is the pane's banner, not a field error

    def clean_vnet(self) -> VirtualNetwork:
        pk = self.cleaned_data["vnet"]
        choice = next((c for c in self.choices if str(c.obj.pk) == pk), None)
        if choice is None:
            raise forms.ValidationError(CLASSIC_VNET_ERROR)
        return choice.obj

    @property
    def helper(self):
        return helper(
            AzField(
                "vnet",
                id="classic-vnet",
                option_prefix="classic",
                star=True,
                choices_template="appservice/add_classic_vnet.html#classic-options",
                wrapper_class="mb-0",
            )
        )


class RouteAllForm(forms.Form):
    """VNet Integration's "Route All" toggle (ASRT-05)."""

    enabled = Text(10)

    def enabled_value(self) -> bool:
        return parsed(self)["enabled"] == "true"


class ScaleUpForm(forms.Form):
    """The Spec Picker's Apply: the chosen pricing tier, as sent (the service
    checks it, ASVI-10, a card shown disabled included)."""

    sku = Text(8, strip=True, label="Pricing tier", widget=forms.RadioSelect)
    tab = Text(20)

    def sku_value(self) -> str:
        return parsed(self)["sku"].upper()

    def offer(self, cards: list[dict]) -> None:
        """The tab's cards as the options (each option's label is its card);
        one the plan can't take is shown disabled with its reason."""
        widget = self.fields["sku"].widget
        # A dict label would be read as a group of options: the card goes as an object.
        widget.choices = [(card["sku"], SimpleNamespace(**card)) for card in cards]
        widget.disabled = {card["sku"]: "" for card in cards if card["problem"]}

    @property
    def helper(self):
        cards = "appservice/scale_up.html#sku-cards"
        return helper(AzField("sku", id="spec-sku", label_hidden=True, wrapper_class="mb-0", choices_template=cards))


class TroubleshootForm(forms.Form):
    """The Network troubleshooter's test: a host and a port (issue #4).
    Sent without a host, it is the empty page; with one, the test runs."""

    host = Text(253, strip=True)
    port = Text(5, strip=True)

    def __init__(self, data) -> None:
        self.requested = "host" in data
        super().__init__(data if self.requested else None, initial={"host": "", "port": "443"})
        self.shown = {"host": "", "port": "443"}
        if self.requested:
            self.is_valid()
            # The boxes show what the test ran with: trimmed, cut to size, port 443 when it was left out.
            self.data = self.shown

    def clean(self) -> dict:
        data = super().clean()
        self.shown = {"host": data["host"], "port": data["port"] if "port" in self.data else "443"}
        if not data["host"]:
            self.add_error("host", "Enter a host name or an IPv4 address.")
        try:
            port = int(self.shown["port"])
        except ValueError:
            port = 0
        if not 0 < port <= 65535:
            self.add_error("port", "Enter a port from 1 to 65535.")
        else:
            data["port"] = port
        return data

    def problems(self) -> dict[str, str]:
        return {field: messages[0] for field, messages in self.errors.items()} if self.requested else {}

    @property
    def helper(self):
        """The Host and Port boxes, side by side with the Test button."""
        return helper(
            AzField(
                "host",
                id="host",
                star=True,
                label="Host",
                wrapper_class="mb-0 az-minw-340",
                placeholder="e.g. contoso-sql01.database.windows.net or 10.0.1.4",
                maxlength="253",
            ),
            AzField("port", id="port", star=True, label="Port", wrapper_class="mb-0 az-w-120", inputmode="numeric"),
        )


class ConsoleForm(forms.Form):
    """The console's command line (ASGW-20)."""

    command = Text(300, strip=True)

    def command_value(self) -> str:
        return parsed(self)["command"]


# --- Configuration > Application settings: the draft grid (APPSET-04) ---------------------


TABS = ("app-settings", "connection-strings")


@dataclass
class SettingsDraft:
    """The application settings and connection strings grids as the
    learner's browser holds them.

    The grids travel with every request as hidden inputs; nothing of them is
    stored until Save, which checks ``base_version`` (APPSET-04). ``tab`` is
    the Current era's tab shown.
    """

    base_version: int
    rows: list[tuple[str, str, bool]]
    show_values: bool = False
    filter: str = ""
    connection_strings: list[tuple[str, str, str, bool]] = field(default_factory=list)
    tab: str = TABS[0]


def saved_draft(app: WebApp, saved, *, show_values=False, filter_text="", strings=None, tab=TABS[0]) -> SettingsDraft:
    rows = [(s.name, s.value, s.slot_setting) for s in saved]
    strings = app.connection_strings.all() if strings is None else strings
    connection_rows = [(c.name, c.value, c.type, c.slot_setting) for c in strings]
    return SettingsDraft(app.settings_version, rows, show_values, filter_text, connection_rows, tab)


class SettingsDraftForm(forms.Form):
    """The grids' hidden inputs (one ``setting_name``/``setting_value``/
    ``setting_slot`` per row, one ``cs_name``/``cs_value``/``cs_type``/
    ``cs_slot`` per connection string), the version, Show values, the
    filter and the Current era's tab."""

    show_values = Text(10)
    filter = Text(256, strip=True)
    base_version = PkField()
    tab = Text(40, strip=True)

    def __init__(self, data) -> None:
        super().__init__(data)
        self.is_valid()

    def confirmed(self) -> bool:
        """Save's second step: the "Save changes" pane answered Yes."""
        return self.data.get("confirmed") == "1"

    def change(self) -> str:
        """What a draft request does: a pane's OK (``pane``), a row's Delete
        (``delete`` or ``delete_cs``), or nothing but redraw ("")."""
        return next((key for key in ("pane", "delete", "delete_cs") if key in self.data), "")

    def pane(self) -> str:
        """Which pane's OK: "advanced", "cs" (a connection string) or an app setting."""
        return str(self.data.get("pane", ""))

    def _column(self, name: str) -> list[str]:
        return self.data.getlist(name) if hasattr(self.data, "getlist") else []

    def draft(self, app: WebApp) -> SettingsDraft:
        """The draft a request carries; without one (a plain link), the saved settings."""
        data = self.cleaned_data
        show = data["show_values"] == "1"
        if "toggle_values" in self.data:
            show = not show
        tab = str(self.data.get("switch_tab") or data["tab"])
        tab = tab if tab in TABS else TABS[0]
        if "base_version" not in self.data:
            return saved_draft(app, app.settings.all(), show_values=show, filter_text=data["filter"], tab=tab)
        values, slots = self._column("setting_value"), self._column("setting_slot")
        rows = [
            (name, values[i] if i < len(values) else "", i < len(slots) and slots[i] == "1")
            for i, name in enumerate(self._column("setting_name"))
        ]
        cs_values, cs_types, cs_slots = self._column("cs_value"), self._column("cs_type"), self._column("cs_slot")
        strings = [
            (
                name,
                cs_values[i] if i < len(cs_values) else "",
                cs_types[i] if i < len(cs_types) else "",
                i < len(cs_slots) and cs_slots[i] == "1",
            )
            for i, name in enumerate(self._column("cs_name"))
        ]
        # A missing or mangled version never matches, so such a save is refused (APPSET-04).
        return SettingsDraft(data["base_version"] or 0, rows, show, data["filter"], strings, tab)


class SettingPaneForm(forms.Form):
    """The "Add/Edit application setting" pane's OK (the service checks the
    name and value, APPSET-*), a row's Delete, and which row to edit."""

    name = Text(100_000, label="Name")
    value = Text(100_000, label="Value")
    slot_setting = forms.BooleanField(required=False, label="Deployment slot setting")
    original = Text(100_000)
    delete = Text(100_000, strip=True)
    edit = Text(100_000, strip=True)

    @classmethod
    def showing(cls, name: str, value: str, slot: bool, original: str) -> "SettingPaneForm":
        """The pane as drawn: a grid row being edited, or what OK refused."""
        return cls({"name": name, "value": value, "slot_setting": "on" if slot else "", "original": original})

    @property
    def helper(self):
        """The pane's fields; a refusal's message carries its rule IDs in
        ``data-rule`` (and ``data-err``) on ``#name-error``/``#value-error``."""
        typed = {"autocomplete": "off", "spellcheck": "false"}
        return helper(
            AzField(
                "name", id="setting-name", star=True, error_id="name-error", maxlength="256", autofocus=True, **typed
            ),
            AzField("value", id="setting-value", error_id="value-error", **typed),
            AzField("slot_setting", id="slot-setting"),
        )


class ConnectionStringPaneForm(forms.Form):
    """The "Add/Edit connection string" pane's OK (the service checks it,
    CONNSTR-01 to CONNSTR-03), a row's Delete, and which row to edit."""

    name = Text(100_000, label="Name")
    value = Text(100_000, label="Value")
    type = forms.ChoiceField(choices=ConnectionString.TYPE_CHOICES, required=False, label="Type")
    slot_setting = forms.BooleanField(required=False, label="Deployment slot setting")
    original = Text(100_000)
    delete_cs = Text(100_000, strip=True)
    edit = Text(100_000, strip=True)

    @classmethod
    def showing(cls, name: str, value: str, kind: str, slot: bool, original: str) -> "ConnectionStringPaneForm":
        return cls(
            {"name": name, "value": value, "type": kind, "slot_setting": "on" if slot else "", "original": original}
        )

    def kind_value(self) -> str:
        """The type as sent (the service refuses one that isn't offered, CONNSTR-03)."""
        return str(self.data.get("type", ""))

    @property
    def helper(self):
        typed = {"autocomplete": "off", "spellcheck": "false"}
        return helper(
            AzField("name", id="cs-name", star=True, error_id="name-error", maxlength="256", autofocus=True, **typed),
            AzField("value", id="cs-value", error_id="value-error", **typed),
            AzField("type", id="cs-type", star=True, error_id="type-error"),
            AzField("slot_setting", id="cs-slot-setting"),
        )


class AdvancedEditForm(forms.Form):
    """The "Advanced edit" pane: the grid as JSON (APPSET-05)."""

    json = forms.CharField(required=False, strip=False, label="", widget=forms.Textarea(attrs={"rows": 22}))
    kind = Text(20, strip=True)

    @property
    def connection_strings(self) -> bool:
        return str(self.data.get("kind", "")) == "connection-strings"

    @property
    def text(self) -> str:
        """The JSON as typed (not stripped: a refusal shows it back as it was)."""
        return str(self.data.get("json", ""))

    @property
    def helper(self):
        return helper(
            AzField(
                "json",
                id="advanced-json",
                error_id="json-error",
                aria_label="JSON",
                spellcheck="false",
                autocomplete="off",
                css_class="az-code",
            )
        )


# --- Configuration > General settings, Path mappings, Default documents (portal-ui §2.4) ------

ON_OFF = [("on", "On"), ("off", "Off")]
SWITCHES = ("web_sockets_enabled", "always_on", "client_affinity_enabled", "remote_debugging_enabled")


class SiteConfigForm(forms.Form):
    """What every Configuration tab posts: the version its values were loaded
    from (APPSET-04) and whether the "Save changes" pane answered Continue."""

    base_version = PkField()

    def __init__(self, app: WebApp, data=None) -> None:
        super().__init__(data)
        self.app = app
        self.setup()
        if data is not None:
            self.is_valid()

    def setup(self) -> None:
        """Choices that depend on the app, before the data is read."""

    @property
    def version(self) -> int:
        return (self.cleaned_data.get("base_version") if self.is_bound else None) or self.app.settings_version

    @property
    def confirmed(self) -> bool:
        return self.is_bound and self.data.get("confirmed") == "1"

    def posted_pairs(self) -> list[tuple[str, str]]:
        """The tab's values as posted, for the "Save changes" pane to post
        again on Continue."""
        skip = ("csrfmiddlewaretoken", "save")
        return [(key, value) for key, values in self.data.lists() if key not in skip for value in values]

    @property
    def saving(self) -> bool:
        return self.is_bound and ("save" in self.data or self.confirmed)


class GeneralSettingsForm(SiteConfigForm):
    """The General settings tab: Stack settings, Platform settings,
    Debugging and Incoming client certificates (CONFIG-01 to CONFIG-05).
    On a Free or Shared plan Always On and the platform are shown locked,
    with the reason (CONFIG-01, CONFIG-02)."""

    stack = forms.ChoiceField(required=False, label="Stack", widget=Picker)
    stack_version = forms.ChoiceField(required=False, label="Version", widget=Picker)
    platform = forms.ChoiceField(
        choices=[("32", "32 Bit"), ("64", "64 Bit")], required=False, label="Platform", widget=forms.RadioSelect
    )
    managed_pipeline_mode = forms.ChoiceField(
        choices=[(m, m) for m in services.PIPELINE_MODES],
        required=False,
        label="Managed pipeline version",
        widget=forms.RadioSelect,
    )
    ftps_state = forms.ChoiceField(
        choices=list(services.FTPS_STATES.items()), required=False, label="FTP state", widget=Picker
    )
    http_version = forms.ChoiceField(
        choices=[("1.1", "1.1"), ("2.0", "2.0")], required=False, label="HTTP version", widget=forms.RadioSelect
    )
    web_sockets_enabled = forms.ChoiceField(
        choices=ON_OFF, required=False, label="Web sockets", widget=forms.RadioSelect
    )
    always_on = forms.ChoiceField(choices=ON_OFF, required=False, label="Always On", widget=forms.RadioSelect)
    client_affinity_enabled = forms.ChoiceField(
        choices=ON_OFF, required=False, label="ARR affinity", widget=forms.RadioSelect
    )
    remote_debugging_enabled = forms.ChoiceField(
        choices=ON_OFF, required=False, label="Remote debugging", widget=forms.RadioSelect
    )
    client_cert_mode = forms.ChoiceField(
        choices=[(v, label) for v, label in services.CLIENT_CERT_MODES.items()],
        required=False,
        label="Client certificate mode",
        widget=forms.RadioSelect,
    )

    def setup(self) -> None:
        # The runtime stacks of runtimes.py for the app's OS and era, in
        # groups: the Stack picker lists the groups, Version their stacks.
        groups: dict[str, list[tuple[str, str]]] = {}
        for runtime in services.stack_choices(self.app):
            groups.setdefault(runtime.group, []).append((runtime.key, runtime.label))
        blank = [("", "Select a stack")] if self.app.runtime is None else []
        self.fields["stack"].choices = blank + [(g, g) for g in groups]
        self.fields["stack_version"].choices = blank + list(groups.items())

    def __init__(self, app: WebApp, data=None) -> None:
        super().__init__(app, data)
        if data is None:
            self.initial.update(
                {
                    "base_version": app.settings_version,
                    "stack": app.runtime.group if app.runtime is not None else "",
                    "stack_version": app.runtime_stack,
                    "platform": "32" if app.use_32bit_worker_process else "64",
                    "managed_pipeline_mode": app.managed_pipeline_mode,
                    "ftps_state": app.ftps_state,
                    "http_version": "2.0" if app.http20_enabled else "1.1",
                    "client_cert_mode": app.client_cert_mode,
                    **{f: "on" if getattr(app, f) else "off" for f in SWITCHES},
                }
            )
        self.locked = services.free_or_shared(app.plan)

    def values(self) -> dict:
        """The tab's values as the service takes them (it checks them)."""
        data = self.cleaned_data
        # The stack and version (a runtime stack) as sent: the service refuses
        # one the app's OS and era don't offer (CONFIG-05).
        return {
            "stack": str(self.data.get("stack", ""))[:40],
            "runtime_stack": str(self.data.get("stack_version", ""))[:40],
            "use_32bit_worker_process": data.get("platform") != "64",
            "managed_pipeline_mode": data.get("managed_pipeline_mode") or self.app.managed_pipeline_mode,
            "ftps_state": data.get("ftps_state") or self.app.ftps_state,
            "http20_enabled": data.get("http_version") == "2.0",
            "client_cert_mode": data.get("client_cert_mode") or self.app.client_cert_mode,
            **{f: data.get(f) == "on" for f in SWITCHES},
        }

    def _switch(self, name: str, **extra) -> AzField:
        return AzField(name, id=name.replace("_", "-"), option_prefix=name.replace("_", "-"), row=True, **extra)

    @property
    def stack_helper(self):
        return helper(
            AzField("stack", id="stack", row=True, star=True, rule="CONFIG-05"),
            AzField("stack_version", id="stack-version", row=True, star=True),
        )

    @property
    def platform_helper(self):
        fields = []
        if self.app.plan.os == "Windows":
            bitness = {"help": "Free and Shared plans run 32-bit workers only.", "rule": "CONFIG-02"}
            fields += [
                self._switch("platform", readonly=self.locked, **bitness),
                self._switch("managed_pipeline_mode"),
            ]
        always_on = {"help": "Keeps the app loaded even when no traffic comes in."}
        if self.locked:
            always_on = {
                "help": f"Always On isn't available in the {self.app.plan.tier_display} tier: scale up to Basic or above.",
                "rule": "CONFIG-01",
            }
        fields += [
            AzField("ftps_state", id="ftps-state", row=True),
            self._switch("http_version"),
            self._switch("web_sockets_enabled"),
            self._switch("always_on", readonly=self.locked, **always_on),
            self._switch("client_affinity_enabled"),
        ]
        return helper(*fields)

    @property
    def debugging_helper(self):
        return helper(self._switch("remote_debugging_enabled"))

    @property
    def certificates_helper(self):
        return helper(self._switch("client_cert_mode", rule="CONFIG-04"))


def _rows(data, *names: str) -> list[list[str]]:
    """Parallel lists of a tab's hidden or text inputs, as rows."""
    columns = [data.getlist(n) if hasattr(data, "getlist") else [] for n in names]
    count = len(columns[0])
    return [[str(col[i]) if i < len(col) else "" for col in columns] for i in range(count)]


def _index(data, key: str) -> int | None:
    return parse_int(data.get(key, ""), lo=-DB_INT_MAX)


class PathMappingsForm(SiteConfigForm):
    """The Path mappings tab: Handler mappings and Virtual applications and
    directories (CONFIG-10). The rows are the form's inputs; "New" and a
    row's Delete change them on the page, Save writes them."""

    def __init__(self, app: WebApp, data=None) -> None:
        super().__init__(app, data)
        if data is None:
            self.handlers = [dict(h) for h in app.handler_mappings]
            self.applications = [dict(a) for a in app.virtual_applications]
            return
        self.handlers = [
            {"extension": e, "script_processor": p, "arguments": a}
            for e, p, a in _rows(data, "hm_ext", "hm_proc", "hm_args")
        ]
        self.applications = [
            {"virtual_path": v, "physical_path": p, "application": t != "directory"}
            for v, p, t in _rows(data, "va_path", "va_physical", "va_type")
        ]
        if "add_hm" in data:
            self.handlers.append({"extension": "", "script_processor": "", "arguments": ""})
        if "add_va" in data:
            self.applications.append({"virtual_path": "", "physical_path": "site\\wwwroot", "application": False})
        gone = _index(data, "remove_hm")
        if gone is not None and 0 <= gone < len(self.handlers):
            del self.handlers[gone]
        gone = _index(data, "remove_va")
        if gone is not None and 0 <= gone < len(self.applications):
            del self.applications[gone]

    def values(self) -> dict:
        return {"handler_mappings": self.handlers, "virtual_applications": self.applications}


class DefaultDocumentsForm(SiteConfigForm):
    """The Default documents tab (Windows only, CONFIG-11): the list in
    order; "New document" adds one, a row's Delete or Move up changes it."""

    def __init__(self, app: WebApp, data=None) -> None:
        super().__init__(app, data)
        if data is None:
            self.documents = list(app.default_documents)
            return
        self.documents = [row[0] for row in _rows(data, "document")]
        if "add_doc" in data:
            self.documents.append("")
        gone = _index(data, "remove_doc")
        if gone is not None and 0 <= gone < len(self.documents):
            del self.documents[gone]
        up = _index(data, "up_doc")
        if up is not None and 0 < up < len(self.documents):
            self.documents[up - 1], self.documents[up] = self.documents[up], self.documents[up - 1]

    def values(self) -> dict:
        return {"default_documents": self.documents}
