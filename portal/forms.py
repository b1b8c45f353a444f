"""The "Create a resource" wizards (portal-ui §1.4).

Each wizard is one Django form holding every tab's fields, so its state
travels in the page from tab to tab. Field *shape* is checked by the form;
Azure's rules are checked by the services' validators (with their rule IDs),
and "Review + create" finally runs the whole create in a transaction that is
rolled back, so it finds every refusal the real create would meet without
writing anything.
"""

from dataclasses import dataclass
from itertools import zip_longest
from typing import ClassVar

from django import forms
from django.db import IntegrityError, transaction

from appservice import services as appservice_services
from appservice.models import ISOLATED_TIERS, SKUS, AppServicePlan, WebApp, sku_display
from networking import services as networking_services
from networking.engine import addressing
from networking.models import VirtualNetwork
from portal import services as portal_services
from portal.errors import AzureRuleError, rule_error
from portal.models import REGION_CHOICES, REGIONS, ResourceGroup, Sandbox
from portal.naming import validate_name

REVIEW = "review"
MAX_ROWS = 25  # rows of an editable grid; more are dropped, never an error page


@dataclass(frozen=True)
class Problem:
    """What a field shows under it: the message and the small 'Learn more'."""

    message: str
    learn_more: str = ""

    @classmethod
    def of(cls, exc: AzureRuleError) -> "Problem":
        return cls(exc.message, exc.learn_more if exc.rule_ids or exc.err_id else "")


class _Values:
    def __init__(self, wizard):
        self.wizard = wizard

    def __getitem__(self, name: str) -> str:
        return self.wizard.value(name)


class _DryRun(Exception):
    """Raised inside a validation transaction so that it rolls back."""


class CreateWizard(forms.Form):
    """Basics every wizard shares, and the tab/validation state machine.

    Subclasses set ``kind`` (the URL slug), ``title``, ``tabs`` and the tab of
    each field outside Basics, and implement ``check_rules`` and ``create``.
    """

    kind: ClassVar[str]
    title: ClassVar[str]
    product: ClassVar[str]  # the deployment's template name
    tabs: ClassVar[tuple[tuple[str, str], ...]]
    field_tabs: ClassVar[dict[str, str]] = {}
    has_resource_group: ClassVar[bool] = True
    name_kind: ClassVar[str]
    region_choices = REGION_CHOICES

    subscription = forms.CharField(required=False, max_length=64)
    name = forms.CharField(required=False, max_length=200)
    region = forms.ChoiceField(choices=REGION_CHOICES, initial="eastus", label="Region")

    def __init__(self, sandbox: Sandbox, data=None):
        self.sandbox = sandbox
        self.subscription_obj = sandbox.subscriptions.get()
        self.groups = list(ResourceGroup.objects.filter(subscription=self.subscription_obj))
        super().__init__(data=data, initial={"subscription": str(self.subscription_obj.subscription_id)})
        if self.has_resource_group:
            self.fields["resource_group"] = forms.CharField(required=False, max_length=200)
            self.fields["new_resource_group"] = forms.CharField(required=False, max_length=200)
            self.fields["new_rg_name"] = forms.CharField(required=False, max_length=200)
            self.initial["resource_group"] = self.groups[0].name if self.groups else ""
        self.tab = self._posted_tab()
        self.reviewed = bool(data and data.get("reviewed"))
        self.problems: dict[str, Problem] = {}
        self.validation = ""  # "", "passed" or "failed"
        self.new_rg_open = False
        self.target_rg: ResourceGroup | None = None
        self.new_rg = ""

    # --- values, whether bound or not --------------------------------------

    @property
    def v(self) -> "_Values":
        """Current field texts for templates: ``wizard.v.name``."""
        return _Values(self)

    def value(self, name: str) -> str:
        """The field's current text: posted, else initial."""
        if self.is_bound:
            raw = self.data.get(name, "")
            return raw if isinstance(raw, str) else ""
        value = self.initial.get(name, self.fields[name].initial if name in self.fields else "")
        return "" if value is None else str(value)

    def clean_value(self, name: str) -> str:
        return (self.cleaned_data.get(name) or "") if hasattr(self, "cleaned_data") else self.value(name).strip()

    def _posted_tab(self) -> str:
        slugs = [slug for slug, _ in self.tabs]
        tab = self.data.get("current_tab", "") if self.is_bound else ""
        return tab if tab in slugs else slugs[0]

    # --- the state machine -------------------------------------------------

    def step(self, action: str, goto: str = ""):
        """Apply one button press. Returns the created resource, or None."""
        slugs = [slug for slug, _ in self.tabs]
        index = slugs.index(self.tab)
        if goto in slugs:
            self.tab = goto
        elif action == "next":
            self.tab = slugs[min(index + 1, len(slugs) - 1)]
        elif action == "prev":
            self.tab = slugs[max(index - 1, 0)]
        elif action in ("review", "create"):
            self.tab = REVIEW
        else:
            self.edit(action)
        if action == "create":
            return self._create()
        if self.tab == REVIEW:
            self.review()
        elif self.reviewed:
            self.problems = self.check()
        return None

    def edit(self, action: str) -> None:
        """Buttons that change the form in place ("Create new" OK, "+ Add subnet"...)."""
        if action == "new_rg" and self.has_resource_group:
            self._accept_new_resource_group()
        elif action == "cancel_new_rg":
            self.new_rg_open = False

    def review(self) -> bool:
        """'Review + create': validate everything, writing nothing."""
        self.reviewed = True
        self.problems = self.check()
        if not self.problems:
            self.problems = self._dry_run()
        self.validation = "failed" if self.problems else "passed"
        return not self.problems

    def _create(self):
        self.reviewed = True
        self.problems = self.check()
        if not self.problems:
            try:
                return self.deploy()
            except AzureRuleError as exc:
                self.problems = {exc.field or "__all__": Problem.of(exc)}
            except IntegrityError:
                self.problems = {"name": Problem("The name is already taken. Choose another name.")}
        self.validation = "failed"
        return None

    def _dry_run(self) -> dict[str, Problem]:
        try:
            with transaction.atomic():
                self.deploy()
                raise _DryRun
        except _DryRun:
            return {}
        except AzureRuleError as exc:
            return {exc.field or "__all__": Problem.of(exc)}
        except IntegrityError:
            return {"name": Problem("The name is already taken. Choose another name.")}

    def deploy(self):
        """Create the resource group when it is "(new)", then the resource, in one transaction."""
        with transaction.atomic():
            rg = self.target_rg
            if self.has_resource_group and rg is None:
                rg = portal_services.create_resource_group(
                    self.sandbox, name=self.new_rg, location=self.cleaned_data["region"]
                )
            return self.create(rg)

    # --- checks ------------------------------------------------------------

    def check(self) -> dict[str, Problem]:
        problems: dict[str, Problem] = {}
        if not self.is_valid():
            for field, messages in self.errors.items():
                problems[field] = Problem(str(messages[0]))
        if self.value("subscription") != str(self.subscription_obj.subscription_id):
            problems["subscription"] = Problem("Select a subscription.")
        if self.has_resource_group and "resource_group" not in problems:
            self._check_resource_group(problems)

        def attempt(key: str, check, /, *args, **kwargs):
            """Run one validator; its refusal lands on its field (or ``key``)."""
            if key in problems:
                return None
            try:
                return check(*args, **kwargs)
            except AzureRuleError as exc:
                problems[exc.field or key] = Problem.of(exc)
                return None

        self.check_rules(problems, attempt)
        return problems

    def _check_resource_group(self, problems: dict[str, Problem]) -> None:
        chosen = self.clean_value("resource_group").strip()
        new = self.clean_value("new_resource_group").strip()
        self.target_rg, self.new_rg = None, ""
        if new and chosen.lower() == new.lower():
            try:
                self.new_rg = self._check_new_group_name(new, "resource_group")
            except AzureRuleError as exc:
                problems["resource_group"] = Problem.of(exc)
            return
        self.target_rg = next((g for g in self.groups if g.name.lower() == chosen.lower()), None) if chosen else None
        if self.target_rg is None:
            # A group of another sandbox is simply not among the choices (DESIGN: Tenancy).
            problems["resource_group"] = Problem("Select a resource group, or create a new one.")

    def _check_new_group_name(self, name: str, field: str) -> str:
        name = validate_name("resource_group", name, field=field)
        if any(g.name.lower() == name.lower() for g in self.groups):
            raise rule_error(f"A resource group named '{name}' already exists.", "NAMING-01", field=field)
        return name

    def _accept_new_resource_group(self) -> None:
        try:
            name = self._check_new_group_name(self.value("new_rg_name"), "new_rg_name")
        except AzureRuleError as exc:
            self.problems["new_rg_name"] = Problem.of(exc)
            self.new_rg_open = True
            return
        data = self.data.copy()
        data["new_resource_group"] = name
        data["resource_group"] = name
        data["new_rg_name"] = ""
        self.data = data

    def check_rules(self, problems, attempt) -> None:
        raise NotImplementedError

    def create(self, rg):
        raise NotImplementedError

    # --- what the template shows -----------------------------------------

    @property
    def tab_list(self) -> list[dict]:
        with_errors = {self.field_tabs.get(self._field_root(f), "basics") for f in self.problems}
        next_label = ""
        slugs = [slug for slug, _ in self.tabs]
        index = slugs.index(self.tab)
        if index + 1 < len(self.tabs):
            next_label = self.tabs[index + 1][1]
        return [
            {
                "slug": slug,
                "label": label,
                "active": slug == self.tab,
                "has_error": slug in with_errors and slug != REVIEW,
                "is_next": label == next_label,
            }
            for slug, label in self.tabs
        ]

    @property
    def next_tab_label(self) -> str:
        return next((t["label"] for t in self.tab_list if t["is_next"]), "")

    @property
    def form_problem(self) -> Problem | None:
        return self.problems.get("__all__")

    @property
    def problem_list(self) -> list[tuple[str, Problem]]:
        """Every problem with the tab it is on, for the failed-validation banner."""
        labels = dict(self.tabs)
        return [
            (labels.get(self.field_tabs.get(self._field_root(f), "basics"), ""), p)
            for f, p in self.problems.items()
            if f != "__all__"
        ]

    @property
    def is_first_tab(self) -> bool:
        return self.tab == self.tabs[0][0]

    @staticmethod
    def _field_root(field: str) -> str:
        head, _, tail = field.rpartition("_")
        return head if tail.isdigit() else field

    @property
    def group_choices(self) -> list[tuple[str, str]]:
        choices = [(g.name, g.name) for g in self.groups]
        new = self.value("new_resource_group").strip()
        if new and not any(g.name.lower() == new.lower() for g in self.groups):
            choices.insert(0, (new, f"(new) {new}"))
        return choices

    @property
    def region_label(self) -> str:
        return REGIONS.get(self.value("region"), "")

    def summary(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The Review + create tab's sections: (heading, [(label, value)])."""
        basics = [("Subscription", self.subscription_obj.display_name)]
        if self.has_resource_group:
            group = self.value("resource_group")
            is_new = group and group.lower() == self.value("new_resource_group").lower()
            basics.append(("Resource group", f"(new) {group}" if is_new else group))
        basics += self.instance_summary()
        return [("Basics", basics), *self.extra_summary()]

    def instance_summary(self) -> list[tuple[str, str]]:
        return [("Name", self.value("name")), ("Region", self.region_label)]

    def extra_summary(self) -> list:
        return []


class ResourceGroupWizard(CreateWizard):
    kind = "resourcegroup"
    title = "Create a resource group"
    product = "Microsoft.ResourceGroup"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    has_resource_group = False
    name_kind = "resource_group"

    def check_rules(self, problems, attempt) -> None:
        name = attempt("name", validate_name, "resource_group", self.value("name"))
        if name and any(g.name.lower() == name.lower() for g in self.groups):
            problems["name"] = Problem.of(
                rule_error(
                    f"A resource group named '{name}' already exists in '{self.subscription_obj.display_name}'.",
                    "NAMING-01",
                )
            )

    def create(self, rg):
        return portal_services.create_resource_group(
            self.sandbox, name=self.cleaned_data["name"], location=self.cleaned_data["region"]
        )

    def instance_summary(self):
        return [("Resource group", self.value("name")), ("Region", self.region_label)]


class VirtualNetworkWizard(CreateWizard):
    kind = "virtualnetwork"
    title = "Create virtual network"
    product = "Microsoft.VirtualNetwork"
    tabs = (("basics", "Basics"), ("ipaddresses", "IP Addresses"), ("security", "Security"), (REVIEW, "Review + create"))
    field_tabs = {"address_space": "ipaddresses", "subnet_name": "ipaddresses", "subnet_prefix": "ipaddresses"}
    name_kind = "vnet"

    DEFAULT_SPACE = "10.0.0.0/16"
    DEFAULT_SUBNET = ("default", "10.0.0.0/24")

    def __init__(self, sandbox, data=None):
        super().__init__(sandbox, data)
        if self.is_bound:
            self.address_space = [p.strip() for p in data.getlist("address_space") if p.strip()][:MAX_ROWS]
            rows = zip_longest(data.getlist("subnet_name"), data.getlist("subnet_prefix"), fillvalue="")
            self.subnets = [(n.strip(), p.strip()) for n, p in rows if n.strip() or p.strip()][:MAX_ROWS]
        else:
            self.address_space = [self.DEFAULT_SPACE]
            self.subnets = [self.DEFAULT_SUBNET]

    def edit(self, action: str) -> None:
        super().edit(action)
        if action == "add_subnet" and len(self.subnets) < MAX_ROWS:
            self.subnets.append((f"subnet{len(self.subnets) + 1}", self._suggest_subnet()))
        elif action.startswith("remove_subnet:"):
            self.subnets = [row for i, row in enumerate(self.subnets) if f"remove_subnet:{i}" != action]
        elif action.startswith("remove_space:"):
            self.address_space = [p for i, p in enumerate(self.address_space) if f"remove_space:{i}" != action]

    def _suggest_subnet(self) -> str:
        """The next free /24 of the address space, as the "Add subnet" pane pre-fills it."""
        try:
            space = [str(addressing.parse_cidr(p)) for p in self.address_space]
            used = [str(addressing.parse_cidr(p)) for _, p in self.subnets]
            block = addressing.suggest_subnet(space, used, 24)
        except (addressing.AddressError, ValueError, TypeError):
            return ""
        return str(block) if block else ""

    def check_rules(self, problems, attempt) -> None:
        name = attempt("name", validate_name, "vnet", self.value("name"))
        if name and self.target_rg and VirtualNetwork.objects.filter(resource_group=self.target_rg, name__iexact=name).exists():
            problems["name"] = Problem.of(
                rule_error(
                    f"A virtual network named '{name}' already exists in resource group '{self.target_rg.name}'.",
                    "NAMING-02",
                )
            )
        # Each range on its own row first (VNET-02), then the list together (overlaps).
        for i, prefix in enumerate(self.address_space):
            attempt(f"address_space_{i}", networking_services.validate_address_space, [prefix], field=f"address_space_{i}")
        space = None
        if not any(f.startswith("address_space") for f in problems):
            space = attempt("address_space", networking_services.validate_address_space, self.address_space)
        seen: list[str] = []
        accepted: list[tuple[str, str]] = []
        largest = self.sandbox.rules.largest_subnet_prefix
        for i, (sub_name, prefix) in enumerate(self.subnets):
            sub = attempt(f"subnet_name_{i}", validate_name, "subnet", sub_name, field=f"subnet_name_{i}")
            if sub and sub.lower() in seen:
                problems[f"subnet_name_{i}"] = Problem.of(
                    rule_error(f"A subnet named '{sub}' is listed twice.", "NAMING-03")
                )
            if sub:
                seen.append(sub.lower())
            if space is None:
                # Without a valid address space only the prefix itself can be judged.
                attempt(f"subnet_prefix_{i}", networking_services.parse_prefix, prefix, f"subnet_prefix_{i}")
                continue
            cidr = attempt(
                f"subnet_prefix_{i}",
                networking_services.validate_subnet_prefix,
                name or "the virtual network",
                space,
                accepted,
                prefix,
                largest_prefix=largest,
                field=f"subnet_prefix_{i}",
            )
            if cidr:
                accepted.append((sub or f"subnet {i + 1}", cidr))

    @property
    def space_warning(self) -> str:
        """VNET-01: ranges outside RFC 1918 / RFC 6598 are allowed, with a warning."""
        outside = []
        for text in self.address_space:
            try:
                network = addressing.parse_cidr(text)
            except addressing.AddressError:
                continue
            private = (*addressing.RFC1918, addressing.RFC6598)
            if network.version == 4 and not any(network.subnet_of(block) for block in private):
                outside.append(str(network))
        return ", ".join(outside)

    @property
    def subnet_rows(self) -> list[dict]:
        return [
            {
                "index": i,
                "name": n,
                "prefix": p,
                "name_problem": self.problems.get(f"subnet_name_{i}"),
                "prefix_problem": self.problems.get(f"subnet_prefix_{i}"),
            }
            for i, (n, p) in enumerate(self.subnets)
        ]

    @property
    def space_rows(self) -> list[dict]:
        return [{"index": i, "prefix": p, "problem": self.problems.get(f"address_space_{i}")} for i, p in enumerate(self.address_space)]

    def create(self, rg):
        return networking_services.create_vnet(
            rg,
            name=self.cleaned_data["name"],
            location=self.cleaned_data["region"],
            address_space=self.address_space,
            subnets=self.subnets,
        )

    def extra_summary(self):
        rows = [("Address space", ", ".join(self.address_space) or "None")]
        rows += [(f"Subnet '{n}'", p) for n, p in self.subnets] or [("Subnets", "None")]
        security = [("BastionHost", "Disabled"), ("DDoS Protection Standard", "Disabled"), ("Firewall", "Disabled")]
        return [("IP addresses", rows), ("Security", security)]


def _sku_choices():
    return [(sku, sku_display(sku)) for sku in SKUS]


class AppServicePlanWizard(CreateWizard):
    kind = "appserviceplan"
    title = "Create App Service Plan"
    product = "Microsoft.AppServicePlan"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "plan"

    os = forms.ChoiceField(choices=AppServicePlan.OS_CHOICES, initial="Windows", label="Operating System")
    sku = forms.ChoiceField(choices=_sku_choices, initial="S1", label="Pricing tier")

    def check_rules(self, problems, attempt) -> None:
        name = attempt("name", validate_name, "plan", self.value("name"))
        if name and self.target_rg and AppServicePlan.objects.filter(resource_group=self.target_rg, name__iexact=name).exists():
            problems["name"] = Problem.of(
                rule_error(f"An App Service plan named '{name}' already exists in '{self.target_rg.name}'.", "NAMING-04")
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
        return appservice_services.create_plan(
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
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "webapp"

    publish = forms.ChoiceField(choices=[("code", "Code")], initial="code", label="Publish")
    plan = forms.CharField(required=False, max_length=40, label="App Service Plan")

    def __init__(self, sandbox, data=None):
        super().__init__(sandbox, data)
        # The region is the plan's (an app runs in its plan's region), so it isn't asked.
        self.fields["region"].required = False
        self.plans = list(
            AppServicePlan.objects.filter(sandbox=sandbox).select_related("resource_group").order_by("name")
        )
        if self.plans:
            self.initial["plan"] = str(self.plans[0].pk)

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
            rule_error(f"Web app name '{name}' is not available: {name.lower()}.azurewebsites.net is taken.", "NAMING-05")
        )

    def check_rules(self, problems, attempt) -> None:
        name = attempt("name", validate_name, "webapp", self.value("name"))
        if name and WebApp.objects.filter(sandbox=self.sandbox, name__iexact=name).exists():
            problems["name"] = self._taken(name)
        if "plan" not in problems and self.chosen_plan is None:
            # Plans of another sandbox are not among the choices (DESIGN: Tenancy).
            problems["plan"] = Problem("Select an App Service plan of this subscription.")

    def deploy(self):
        self.cleaned_data["region"] = self.chosen_plan.location
        return super().deploy()

    def create(self, rg):
        return appservice_services.create_webapp(rg, name=self.cleaned_data["name"], plan=self.chosen_plan)

    def instance_summary(self):
        plan = self.chosen_plan
        return [
            ("Name", self.value("name")),
            ("Publish", "Code"),
            ("Operating System", plan.os if plan else ""),
            ("Region", self.region_label),
            ("App Service Plan", f"{plan.name} ({plan.sku_label})" if plan else ""),
        ]


WIZARDS: dict[str, type[CreateWizard]] = {
    w.kind: w for w in (ResourceGroupWizard, VirtualNetworkWizard, AppServicePlanWizard, WebAppWizard)
}
