"""The portal shell: sandboxes, subscriptions, resource groups, and the
long-running operations, activity log and notifications every blade shares."""

import uuid
from ipaddress import IPv4Network

from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from portal.eras import Era, ruleset_for

# Regions offered in the lab, with the portal's geography prefix (portal-ui §10).
REGIONS = {
    "eastus": "(US) East US",
    "eastus2": "(US) East US 2",
    "westus": "(US) West US",
    "westus2": "(US) West US 2",
    "centralus": "(US) Central US",
    "northeurope": "(Europe) North Europe",
    "westeurope": "(Europe) West Europe",
    "uksouth": "(Europe) UK South",
    "southeastasia": "(Asia Pacific) Southeast Asia",
    "australiaeast": "(Asia Pacific) Australia East",
}
REGION_CHOICES = list(REGIONS.items())

# MYIP-01 (lab): the learner's machine as the lab shows it. The visitor's real
# address is never used (nothing leaves the machine, and it would end up in
# exports); each sandbox gets one host of this documentation range (RFC 5737
# TEST-NET-3), away from the 198.51.100.0/24 the lab's public IPs use (PIP-05).
MY_IP_RANGE = IPv4Network("203.0.113.0/24")


def region_name(code: str) -> str:
    """'eastus' -> 'East US' (the label without the geography prefix)."""
    label = REGIONS.get(code, code)
    return label.split(") ", 1)[-1]


# CLS-29: the zoom levels Presenter mode offers, in percent.
PRESENTER_ZOOMS = (125, 150, 175)


class Sandbox(models.Model):
    """One learner's private Azure: a subscription and everything in it.

    It belongs to a browser session; nothing in it is visible to any other
    sandbox (DESIGN: Tenancy).
    """

    # The public ID: what Portal settings shows and management commands take
    # (manage.py trace --sandbox). It opens nothing: the browser's cookie
    # carries ``secret``, which "New sandbox link" replaces (SBX-04).
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    secret = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    era = models.CharField(max_length=10, choices=[(e.value, e.label) for e in Era], default=Era.CLASSIC)
    created_at = models.DateTimeField(default=timezone.now)
    # SBX-03: when a request last used the sandbox, written at most once a
    # minute (portal/lifecycle.py touch); idle ones are pruned.
    last_used_at = models.DateTimeField(default=timezone.now, db_index=True)
    # SBX-02: a keyed hash of the address that asked for the sandbox (an
    # IPv6 address's /64), to count new sandboxes per address; never the
    # address itself.
    created_from = models.CharField(max_length=32, blank=True, editable=False)
    # Bumped whenever a request changes anything in the sandbox; rendered
    # pages are kept per generation (portal/pagecache.py).
    generation = models.PositiveBigIntegerField(default=0, editable=False)
    # Bumped by the writes to its resources alone (not its operations,
    # notifications, Activity log...: portal.changes.not_estate); the network
    # snapshot is kept per estate generation.
    estate_generation = models.PositiveBigIntegerField(default=0, editable=False)
    # Portal settings, "Show lab annotations": rule-ID tags and the lab's
    # explanatory text (.az-rule, .az-annotation). Off, the portal looks like
    # Azure's. Another app may force them off for a while (exam mode,
    # presenter mode) by giving a reason; the learner's choice stays.
    show_annotations = models.BooleanField(default=True)
    annotations_locked_reason = models.CharField(max_length=200, blank=True)
    # Presenter mode (CLS-29, docs/classroom.md "Presenter mode"): for a demo
    # on a projector, every page of the sandbox drawn larger at one of
    # PRESENTER_ZOOMS (percent), the clicked control outlined (CLS-30).
    presenter_mode = models.BooleanField(default=False)
    presenter_zoom = models.PositiveSmallIntegerField(default=150)

    class Meta:
        indexes = [models.Index(fields=["created_from", "created_at"], name="sandbox_created_from")]

    def __str__(self) -> str:
        return f"Sandbox {self.key}"

    @property
    def annotations_shown(self) -> bool:
        return self.show_annotations and not self.annotations_locked_reason

    @property
    def rules(self):
        return ruleset_for(self.era)

    @property
    def my_public_ip(self) -> str:
        """MYIP-01: the sandbox's simulated "your public IP", one of
        203.0.113.1-254 taken from its key, so the same on every visit."""
        return str(MY_IP_RANGE[1 + self.key.int % (MY_IP_RANGE.num_addresses - 2)])

    @property
    def group_name(self) -> str:
        """The Channels group every tab of this sandbox joins."""
        return f"sandbox-{self.key.hex}"

    @cached_property
    def subscription(self) -> "Subscription":
        """The sandbox's one subscription, made with it and kept by a reset
        (portal/seed.py). A request's sandbox comes with it
        (portal/middleware.py): no query."""
        return self.subscriptions.get()


class Subscription(models.Model):
    """An Azure subscription ("Azure subscription 1") inside a sandbox."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="subscriptions")
    subscription_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(max_length=64, default="Azure subscription 1")

    def __str__(self) -> str:
        return self.display_name

    @property
    def arm_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}"


class ResourceGroup(models.Model):
    """A resource group: a named container with a location for its metadata."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="resource_groups")
    name = models.CharField(max_length=90)
    location = models.CharField(max_length=32, choices=REGION_CHOICES)
    # ARM's managedBy: the ID of the resource that made the group and owns it
    # (an AKS cluster's node resource group); "" for the learner's own groups.
    managed_by = models.CharField(max_length=400, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("name"), "subscription", name="unique_rg_name_per_subscription"
            )
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def arm_id(self) -> str:
        return f"{self.subscription.arm_id}/resourceGroups/{self.name}"

    arm_type = "Microsoft.Resources/resourceGroups"
    type_label = "Resource group"


class ArmResource(models.Model):
    """Fields every Azure resource has: a name, a resource group, a location.

    ``sandbox`` is denormalised from the resource group so every query can be
    scoped to the visitor's sandbox with one indexed filter.
    """

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="+")
    resource_group = models.ForeignKey(ResourceGroup, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=90)
    location = models.CharField(max_length=32, choices=REGION_CHOICES)
    created_at = models.DateTimeField(default=timezone.now)
    # Name : value pairs (Tags blade; written by portal.tags, which holds Azure's limits).
    tags = models.JSONField(default=dict, blank=True)

    # Subclasses set these.
    arm_type = ""
    type_label = ""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def arm_id(self) -> str:
        return f"{self.resource_group.arm_id}/providers/{self.arm_type}/{self.name}"

    @property
    def region_label(self) -> str:
        return region_name(self.location)

    def arm_properties(self) -> dict:
        """The ARM ``properties`` object; each resource type fills it in."""
        return {}

    def arm_json(self) -> dict:
        """The resource as ARM returns it (the portal's "JSON View")."""
        return {
            "id": self.arm_id,
            "name": self.name,
            "type": self.arm_type,
            "location": self.location,
            "tags": dict(self.tags),
            "properties": {"provisioningState": "Succeeded", **self.arm_properties()},
        }


class OperationStatus(models.TextChoices):
    ACCEPTED = "Accepted"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


class OperationQuerySet(models.QuerySet):
    def unfinished(self):
        return self.filter(status__in=[OperationStatus.ACCEPTED, OperationStatus.RUNNING])

    def due(self, now=None):
        return self.unfinished().filter(ends_at__lte=now or timezone.now())


class Operation(models.Model):
    """A long-running Azure operation (an app restart, an integration).

    Its progress is derived from ``ends_at``; finishing it is a conditional
    update so that exactly one of several racing tabs or workers wins.
    """

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="operations")
    kind = models.CharField(max_length=40)
    resource_id = models.CharField(max_length=400)
    resource_name = models.CharField(max_length=90)
    # The primary key of the resource, so a push can re-render just its status.
    resource_pk = models.BigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=200)
    done_title = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=OperationStatus.choices, default=OperationStatus.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = OperationQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["sandbox", "status", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"


class ActivityLogEntry(models.Model):
    """One row of a resource's Activity log (portal-ui §1.8)."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="activity")
    correlation_id = models.UUIDField(default=uuid.uuid4)
    operation_name = models.CharField(max_length=120)
    status = models.CharField(max_length=12)
    timestamp = models.DateTimeField(default=timezone.now)
    resource_id = models.CharField(max_length=400, db_index=True)
    resource_group = models.CharField(max_length=90)
    resource_type = models.CharField(max_length=120)
    initiated_by = models.CharField(max_length=120, default="learner@vnetlab.local")
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-timestamp", "-id"]
        verbose_name_plural = "activity log entries"

    def __str__(self) -> str:
        return f"{self.operation_name}: {self.status}"


class NotificationLevel(models.TextChoices):
    PROGRESS = "progress"
    SUCCESS = "success"
    ERROR = "error"
    INFO = "info"


class Notification(models.Model):
    """An entry of the notification bell; in-progress ones are updated in place."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="notifications")
    operation = models.OneToOneField(Operation, null=True, blank=True, on_delete=models.SET_NULL)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=500, blank=True)
    level = models.CharField(max_length=10, choices=NotificationLevel.choices, default=NotificationLevel.INFO)
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    unread = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class LockLevel(models.TextChoices):
    """A management lock's level, with the portal's "Lock type" labels."""

    CAN_NOT_DELETE = "CanNotDelete", "Delete"
    READ_ONLY = "ReadOnly", "Read-only"


class ResourceLock(models.Model):
    """A management lock (Settings > Locks) on a resource or a resource group.

    It applies to its scope and everything under it (a VNet's lock covers
    its subnets, a group's lock its resources): ``resource_id`` is the
    scope's ARM ID, and a resource is covered when its ID starts with it.
    portal.locks reads and writes them and gives the refusals."""

    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="locks")
    resource_id = models.CharField(max_length=400, db_index=True)
    name = models.CharField(max_length=64)
    level = models.CharField(max_length=12, choices=LockLevel.choices)
    notes = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.level})"


class Chore(models.Model):
    """A periodic task of the running server (pruning idle sandboxes): when
    it last ran, claimed by a conditional UPDATE so that one worker of
    several runs it (portal/lifecycle.py)."""

    name = models.CharField(max_length=40, unique=True)
    last_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class OpenTab(models.Model):
    """A browser tab with its sandbox's WebSocket open, on whichever worker
    process holds the socket. A push is rendered only for a sandbox that has
    one (portal/presence.py): the row is written as the socket opens and
    deleted as it closes, and the consumer stamps ``seen_at`` while it lives,
    so the row of a worker killed with its sockets open soon counts as no
    tab."""

    # The consumer's channel on the channel layer: unique per socket in every process.
    channel_name = models.CharField(max_length=100, unique=True)
    # Indexed by the (sandbox, seen_at) index below, which a push's check reads.
    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="+", db_index=False)
    seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["sandbox", "seen_at"], name="open_tab_sandbox_seen")]

    def __str__(self) -> str:
        return self.channel_name
