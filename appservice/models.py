"""App Service plans, web apps, their settings and VNet integrations."""

import re

from django.db import models
from django.utils import timezone

from appservice.runtimes import RUNTIMES, Runtime
from portal import eras
from portal.models import ArmResource

# SKU name -> (tier, display). Tier names follow portal/eras.py.
SKUS = {
    "F1": (eras.FREE, "Free"),
    "D1": (eras.SHARED, "Shared"),
    "B1": (eras.BASIC, "Basic"),
    "B2": (eras.BASIC, "Basic"),
    "B3": (eras.BASIC, "Basic"),
    "S1": (eras.STANDARD, "Standard"),
    "S2": (eras.STANDARD, "Standard"),
    "S3": (eras.STANDARD, "Standard"),
    "P1V2": (eras.PREMIUM_V2, "Premium V2"),
    "P2V2": (eras.PREMIUM_V2, "Premium V2"),
    "P3V2": (eras.PREMIUM_V2, "Premium V2"),
    "P1V3": (eras.PREMIUM_V3, "Premium V3"),
    "P2V3": (eras.PREMIUM_V3, "Premium V3"),
    "P3V3": (eras.PREMIUM_V3, "Premium V3"),
    "P1V4": (eras.PREMIUM_V4, "Premium V4"),
    "EP1": (eras.ELASTIC_PREMIUM, "Elastic Premium"),
    "I1": (eras.ISOLATED, "Isolated"),
    "I1V2": (eras.ISOLATED_V2, "Isolated V2"),
}
# The Spec Picker's tabs (portal-ui §2.5).
SPEC_PICKER = {
    "Dev / Test": ["F1", "D1", "B1", "B2", "B3"],
    # Elastic Premium (EP1) is a Functions plan: a web app's Spec Picker doesn't offer it.
    "Production": ["S1", "S2", "S3", "P1V2", "P2V2", "P3V2", "P1V3", "P2V3", "P3V3", "P1V4"],
    "Isolated": ["I1", "I1V2"],
}
ISOLATED_TIERS = (eras.ISOLATED, eras.ISOLATED_V2)


def sku_display(sku: str) -> str:
    """'P1V3' -> 'P1v3' as the portal writes it."""
    return re.sub(r"V(\d)$", r"v\1", sku)


# The portal's default list of default documents (portal-ui §2.4, Windows only).
DEFAULT_DOCUMENTS = (
    "Default.htm",
    "Default.html",
    "Default.asp",
    "index.htm",
    "index.html",
    "iisstart.htm",
    "default.aspx",
    "index.php",
    "hostingstart.html",
)


def default_documents() -> list[str]:
    return list(DEFAULT_DOCUMENTS)


def default_virtual_applications() -> list[dict]:
    """Every app starts with one application: "/" -> site\\wwwroot."""
    return [{"virtual_path": "/", "physical_path": "site\\wwwroot", "application": True}]


class AppServicePlan(ArmResource):
    """An App Service plan: the workers (OS, pricing tier, instance count) apps run on.

    ``ase_name`` is set for a plan that lives in an App Service Environment,
    which is already inside a VNet (SEED-04, ASVI-12).
    """

    OS_CHOICES = [("Windows", "Windows"), ("Linux", "Linux")]

    os = models.CharField(max_length=8, choices=OS_CHOICES, default="Windows")
    sku = models.CharField(max_length=8, choices=[(k, sku_display(k)) for k in SKUS], default="S1")
    instance_count = models.PositiveSmallIntegerField(default=1)
    ase_name = models.CharField(max_length=60, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "resource_group", name="unique_plan_name_per_rg")
        ]
        ordering = ["name"]

    arm_type = "Microsoft.Web/serverFarms"
    type_label = "App Service plan"

    @property
    def tier(self) -> str:
        return SKUS[self.sku][0]

    @property
    def tier_display(self) -> str:
        return SKUS[self.sku][1]

    @property
    def sku_label(self) -> str:
        return sku_display(self.sku)

    @property
    def has_slots(self) -> bool:
        """Deployment slots (and so Swap) need Standard or above (APP-02)."""
        return self.tier not in (eras.FREE, eras.SHARED, eras.BASIC)

    @property
    def in_ase(self) -> bool:
        return self.tier in ISOLATED_TIERS


class WebApp(ArmResource):
    """A web app on a plan.

    Its status is derived from stored timestamps, never stored as "Restarting",
    so a server that dies mid-restart can't leave the app stuck (DESIGN).
    ``settings_version`` guards the Configuration blade against lost updates.
    """

    plan = models.ForeignKey(AppServicePlan, on_delete=models.PROTECT, related_name="apps")
    stopped = models.BooleanField(default=False)
    restart_ends_at = models.DateTimeField(null=True, blank=True)
    settings_version = models.PositiveIntegerField(default=1)
    # ASRT-06/07: the site property behind the "Route All" toggle; None = never set.
    vnet_route_all_enabled = models.BooleanField(null=True, blank=True)
    # Overview > Reset publish profile changes the deployment password.
    publishing_generation = models.PositiveIntegerField(default=1)
    # Basics > Runtime stack (appservice/runtimes.py), which Configuration >
    # General settings' Stack settings change; "" when a template named none.
    runtime_stack = models.CharField(max_length=24, blank=True, default="")
    # Configuration > General settings (portal-ui §2.4), the site's siteConfig
    # (and clientAffinityEnabled, clientCertEnabled/clientCertMode).
    use_32bit_worker_process = models.BooleanField(default=True)
    managed_pipeline_mode = models.CharField(max_length=12, default="Integrated")
    ftps_state = models.CharField(max_length=12, default="AllAllowed")
    http20_enabled = models.BooleanField(default=False)
    web_sockets_enabled = models.BooleanField(default=False)
    always_on = models.BooleanField(default=False)
    client_affinity_enabled = models.BooleanField(default=True)
    remote_debugging_enabled = models.BooleanField(default=False)
    client_cert_mode = models.CharField(max_length=24, default="Ignore")
    # Configuration > Path mappings and Default documents (siteConfig.handlerMappings,
    # virtualApplications, defaultDocuments): lists of plain rows.
    handler_mappings = models.JSONField(default=list, blank=True)
    virtual_applications = models.JSONField(default=default_virtual_applications, blank=True)
    default_documents = models.JSONField(default=default_documents, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "sandbox", name="unique_app_name_per_sandbox")
        ]
        ordering = ["name"]

    arm_type = "Microsoft.Web/sites"
    type_label = "App Service"

    def status_at(self, now) -> str:
        if self.stopped:
            return "Stopped"
        if self.restart_ends_at and self.restart_ends_at > now:
            return "Restarting"
        return "Running"

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def runtime(self) -> "Runtime | None":
        return RUNTIMES.get(self.runtime_stack)

    @property
    def default_host_name(self) -> str:
        return self.host_for(self.name)

    @staticmethod
    def host_for(name: str) -> str:
        """The default host name of an app named ``name``."""
        return f"{name.lower()}.azurewebsites.net"

    def public_addresses(self) -> tuple[str, list[str]]:
        """Stable, made-up public addresses of the app: the inbound one and the
        outbound ones listed in its properties (inside the lab's AppService
        block, networking/engine/servicetags.py)."""
        n = self.pk % 200
        return f"20.49.{104 + n % 50}.{10 + n}", [f"20.49.{96 + n % 8}.{i}" for i in (17, 43, 88, 121)]


class AppSetting(models.Model):
    """One application setting (an environment variable of the app)."""

    app = models.ForeignKey(WebApp, on_delete=models.CASCADE, related_name="settings")
    name = models.CharField(max_length=256)
    value = models.TextField(blank=True)
    slot_setting = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(models.functions.Lower("name"), "app", name="unique_setting_per_app")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConnectionString(models.Model):
    """One connection string of the app (siteConfig.connectionStrings): an
    environment variable whose prefix is its type's (SQLAZURECONNSTR_...)."""

    # ARM's ConnectionStringType values with the portal's labels.
    TYPE_CHOICES = [
        ("SQLAzure", "SQLAzure"),
        ("SQLServer", "SQLServer"),
        ("MySql", "MySQL"),
        ("PostgreSQL", "PostgreSQL"),
        ("Custom", "Custom"),
        ("NotificationHub", "NotificationHub"),
        ("ServiceBus", "ServiceBus"),
        ("EventHub", "EventHub"),
        ("ApiHub", "ApiHub"),
        ("DocDb", "DocDb"),
        ("RedisCache", "RedisCache"),
    ]

    app = models.ForeignKey(WebApp, on_delete=models.CASCADE, related_name="connection_strings")
    name = models.CharField(max_length=256)
    value = models.TextField(blank=True)
    type = models.CharField(max_length=16, choices=TYPE_CHOICES, default="SQLAzure")
    slot_setting = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "app", name="unique_connection_string_per_app")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VnetIntegration(models.Model):
    """The app's VNet integration: regional (a delegated subnet in the app's
    region) or gateway-required (a P2S gateway in another region or a classic
    VNet). One per app (ASVI-40, ASGW-04)."""

    REGIONAL, GATEWAY = "regional", "gateway"
    KIND_CHOICES = [(REGIONAL, "Regional"), (GATEWAY, "Gateway-required")]

    app = models.OneToOneField(WebApp, on_delete=models.CASCADE, related_name="integration")
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    vnet = models.ForeignKey("networking.VirtualNetwork", on_delete=models.PROTECT, related_name="integrations")
    subnet = models.ForeignKey(
        "networking.Subnet", null=True, blank=True, on_delete=models.PROTECT, related_name="integrations"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        target = f"{self.vnet.name}/{self.subnet.name}" if self.subnet_id else self.vnet.name
        return f"{self.app.name} -> {target}"

    @property
    def is_regional(self) -> bool:
        return self.kind == self.REGIONAL


class ServiceAssociationLink(models.Model):
    """The *service association link* (SAL) App Service puts on a subnet it
    integrates with: the plan whose apps use the subnet.

    One per subnet (a unique subnet), so when two plans race for one subnet
    only one insert can win (ASVI-42). In the Current era more plans join the
    subnet (ASVI-43) and the link stays the first plan's. A link whose apps
    are all gone still blocks the subnet (ASVI-65).
    """

    subnet = models.OneToOneField(
        "networking.Subnet", on_delete=models.CASCADE, related_name="service_association_link"
    )
    plan = models.ForeignKey(AppServicePlan, on_delete=models.CASCADE, related_name="subnet_links")

    def __str__(self) -> str:
        return f"{self.subnet_id} -> {self.plan.name}"
