"""The App Service create wizards: "Create App Service Plan" and "Create
Web App" (portal-ui §1.4). Field shape is the form's; Azure's rules are the
services' and naming's, with their rule IDs."""

from django import forms

from appservice import services
from appservice.models import ISOLATED_TIERS, SKUS, AppServicePlan, WebApp, sku_display
from portal.errors import AzureRuleError, rule_error
from portal.forms import REVIEW, CreateWizard, Problem
from portal.models import REGIONS
from portal.naming import validate_name


def _sku_choices():
    return [(sku, sku_display(sku)) for sku in SKUS]


class AppServicePlanWizard(CreateWizard):
    kind = "appserviceplan"
    title = "Create App Service Plan"
    product = "Microsoft.AppServicePlan"
    wizard_template = "appservice/create_appserviceplan.html"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    name_kind = "plan"

    os = forms.ChoiceField(choices=AppServicePlan.OS_CHOICES, initial="Windows", label="Operating System")
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
            rule_error(
                f"Web app name '{name}' is not available: {name.lower()}.azurewebsites.net is taken.", "NAMING-05"
            )
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
        return services.create_webapp(rg, name=self.cleaned_data["name"], plan=self.chosen_plan)

    def instance_summary(self):
        plan = self.chosen_plan
        return [
            ("Name", self.value("name")),
            ("Publish", "Code"),
            ("Operating System", plan.os if plan else ""),
            ("Region", self.region_label),
            ("App Service Plan", f"{plan.name} ({plan.sku_label})" if plan else ""),
        ]
