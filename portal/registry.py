"""The registry of resource types: how the frame serves apps it does not name.

Each app declares its types in its own ``resources.py`` and registers them
from its ``AppConfig.ready()``. The frame (All resources, resource groups,
Home, Create a resource, the live push, Export template, the seed, the
snapshot) reads this registry and never imports an app.

A higher app can add to a lower app's type without the lower app knowing it:
``appservice`` adds the "a subnet used by an integration can't be deleted"
check to the subnet type with :func:`add_usage_check`, and contributes its
apps to the engine's snapshot with :func:`add_snapshot_contributor`.

Everything here is plain data plus callables; nothing is imported from an app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Model

    from portal.errors import AzureRuleError


@dataclass(frozen=True)
class MenuItem:
    """One entry of a resource menu. ``url_name`` is a URL name taking the
    resource's blade kwargs (subscription_id, rg, name, and ``provider`` for
    types whose URLs carry it); ``key`` marks the page that is active."""

    label: str
    icon: str
    url_name: str
    key: str
    # A page every type has (Export template): its URL takes the resource's
    # provider and type name too (subscription_id, rg, provider, type_name, name).
    generic: bool = False
    # Fixed URL kwargs beyond the resource's own (an NSG's rules pages take
    # ``direction``): pairs, so the item stays hashable.
    params: tuple[tuple[str, str], ...] = ()
    # The label in an era whose portal names the page otherwise (the app's
    # "Configuration" is "Environment variables" in the Current era): pairs.
    era_labels: tuple[tuple[str, str], ...] = ()

    def label_in(self, era: str) -> str:
        return dict(self.era_labels).get(era, self.label)


@dataclass(frozen=True)
class MenuSection:
    """A heading of the resource menu ("" for the top group) and its items."""

    heading: str
    items: tuple[MenuItem, ...]


EXPORT_TEMPLATE = MenuItem(
    "Export template", "bi-box-arrow-up-right", "export_template", "export_template", generic=True
)
"""Automation > Export template: on every listed type's menu (issue #9 point 4)."""

AUTOMATION = MenuSection("Automation", (EXPORT_TEMPLATE,))
"""The menu's Automation section for a type whose menu has no other item there."""


@dataclass(frozen=True)
class Product:
    """A Marketplace entry (portal-ui §1.4). ``wizard`` is the create wizard's
    kind (``/create/<kind>/``) or a URL name taking ``subscription_id`` and
    ``rg`` for products created inside a resource group."""

    name: str
    icon: str
    description: str
    categories: frozenset[str]
    wizard: str = ""
    in_resource_group: bool = False
    # Where the Marketplace shows it, lowest first (the portal's own order).
    rank: int = 100


@dataclass(frozen=True)
class LiveBadge:
    """A status badge pushed live to every tab (an app's "Restarting", a
    cluster's "Creating...").

    ``operation_kinds``: the Operation kinds that change it.
    ``states(sandbox, pks, now)``: {pk: state} read from the database and
    the clock at render time.
    ``partial``: the template partial that draws one badge, given
    ``badge_pk``, ``badge_state`` and ``oob``."""

    operation_kinds: tuple[str, ...]
    states: Callable[[Any, Iterable[int], Any], dict[int, str]]
    partial: str


UsageCheck = Callable[["Model"], "AzureRuleError | None"]
"""Who uses this resource? Return the refusal (rule ID and message) when a
delete or change must be refused because something else depends on it."""

UserLookup = Callable[["Model"], "str | None"]
"""Who uses this resource, by name (the app integrated with a subnet), for a
page that says so before anything is refused and for the refusal's text."""

ChangeCheck = Callable[["Model", Mapping[str, Any]], "AzureRuleError | None"]
"""``check(resource, changes)``: the refusal when what uses the resource
forbids a change, or None. ``changes`` holds the properties about to change
with their new values (e.g. {"delegation": "..."}); an empty mapping asks
whether any change at all is refused."""

SnapshotContributor = Callable[[Any, Any], None]
"""``contribute(sandbox, builder)``: add what an app brings to the engine's
topology snapshot (networking/snapshot.py defines the builder)."""


@dataclass
class ResourceType:
    """One Azure resource type as the portal knows it."""

    arm_type: str
    api_version: str
    label: str
    icon: str
    # "app_label.ModelName": resolved lazily, so declaring a type imports no model.
    model: str
    # The URL name of the overview blade (kwargs: subscription_id, rg, name,
    # plus ``provider`` when ``url_provider`` is set).
    overview_url: str = ""
    url_provider: bool = False
    menu: tuple[MenuSection, ...] = ()
    product: Product | None = None
    badge: LiveBadge | None = None
    # Listed in All resources, resource groups and Home (child resources
    # such as subnets and security rules are not).
    listed: bool = True
    # Extra filter on the model's rows for types that share a model
    # (classic and ARM VNets): a dict for QuerySet.filter().
    row_filter: dict[str, Any] = field(default_factory=dict)
    # ARM JSON out: the resource as JSON View and Export template show it.
    to_arm: Callable[[Any], dict] | None = None
    # ARM JSON in: create or update a resource from a document, through the
    # services; ``from_arm(context, resource_group, document)`` with
    # portal.arm.context.DeployContext.
    from_arm: Callable[..., Any] | None = None
    # Export template's documents for one resource (default: ``[to_arm]``):
    # a type whose JSON View nests what a template deploys on its own (a
    # VNet's peerings, which refer to each other) or shows read-only
    # back-references (an NSG's subnets) trims them here.
    export: Callable[[Any], list[dict]] | None = None
    # The resource groups a resource owns and makes itself (an AKS cluster's
    # node resource group): Export template leaves them out.
    managed_groups: Callable[[Any], list[str]] | None = None
    # Deletes, through the services, for template "complete" mode and DELETE.
    delete: Callable[[Any], None] | None = None
    usage_checks: list[UsageCheck] = field(default_factory=list)
    # Finds a resource by its parsed ID (portal.arm.ids.ResourceId) in a
    # sandbox; child types (subnets, rules) give their own. The default looks
    # the name up in the resource group.
    find: Callable[[Any, Any], Any] | None = None

    def lookup(self, sandbox, resource_id):
        """The resource a parsed ID names in ``sandbox``, or None."""
        if self.find is not None:
            return self.find(sandbox, resource_id)
        return (
            self.rows(sandbox)
            .filter(resource_group__name__iexact=resource_id.resource_group, name__iexact=resource_id.name)
            .first()
        )

    def get_model(self) -> type[Model]:
        from django.apps import apps

        return apps.get_model(self.model)

    def rows(self, sandbox):
        """This type's resources in a sandbox."""
        return self.get_model().objects.filter(sandbox=sandbox, **self.row_filter)


class Registry:
    def __init__(self) -> None:
        self._types: dict[str, ResourceType] = {}
        self._snapshot: list[SnapshotContributor] = []
        self._pending_checks: dict[str, list[UsageCheck]] = {}
        # Kept by ARM type, registered or not: a higher app adds these to a
        # lower app's type whatever order the apps are ready in.
        self._user_lookups: dict[str, list[UserLookup]] = {}
        self._change_checks: dict[str, list[ChangeCheck]] = {}
        self._pages: dict[str, Callable[[Any], str]] = {}
        self._wizards: dict[str, str] = {}
        self._create_urls: list[str] = []

    def register(self, resource_type: ResourceType) -> ResourceType:
        key = resource_type.arm_type.lower()
        if key in self._types:
            raise ValueError(f"{resource_type.arm_type} is registered twice")
        resource_type.usage_checks.extend(self._pending_checks.pop(key, []))
        self._types[key] = resource_type
        return resource_type

    def get(self, arm_type: str) -> ResourceType:
        """The type, by its ARM type (case-insensitive, as ARM is); KeyError
        when unknown."""
        return self._types[arm_type.lower()]

    def find(self, arm_type: str) -> ResourceType | None:
        return self._types.get(arm_type.lower())

    def __iter__(self) -> Iterator[ResourceType]:
        return iter(self._types.values())

    def listed(self) -> list[ResourceType]:
        return [t for t in self._types.values() if t.listed]

    def for_model(self, model: type) -> list[ResourceType]:
        label = model._meta.label
        return [t for t in self._types.values() if t.model == label]

    def products(self) -> list[tuple[ResourceType, Product]]:
        return [(t, t.product) for t in self._types.values() if t.product is not None]

    def badges(self) -> list[ResourceType]:
        return [t for t in self._types.values() if t.badge is not None]

    def badge_for_operation(self, kind: str) -> ResourceType | None:
        for t in self.badges():
            if kind in t.badge.operation_kinds:
                return t
        return None

    def add_usage_check(self, arm_type: str, check: UsageCheck) -> None:
        """Add a "who uses this?" check to a type, registered or not yet."""
        found = self.find(arm_type)
        if found is not None:
            found.usage_checks.append(check)
        else:
            self._pending_checks.setdefault(arm_type.lower(), []).append(check)

    def usage_refusal(self, arm_type: str, resource) -> AzureRuleError | None:
        """The first refusal of the type's usage checks, or None."""
        found = self.find(arm_type)
        for check in found.usage_checks if found else ():
            refusal = check(resource)
            if refusal is not None:
                return refusal
        return self._pending_refusal(arm_type, resource) if found is None else None

    def _pending_refusal(self, arm_type: str, resource) -> AzureRuleError | None:
        for check in self._pending_checks.get(arm_type.lower(), ()):
            refusal = check(resource)
            if refusal is not None:
                return refusal
        return None

    def add_user_lookup(self, arm_type: str, lookup: UserLookup) -> None:
        """Add a "who uses this?" lookup that names the user."""
        self._user_lookups.setdefault(arm_type.lower(), []).append(lookup)

    def user_of(self, arm_type: str, resource) -> str | None:
        """The name of the first user the type's lookups find, or None."""
        for lookup in self._user_lookups.get(arm_type.lower(), ()):
            user = lookup(resource)
            if user is not None:
                return user
        return None

    def add_change_check(self, arm_type: str, check: ChangeCheck) -> None:
        """Add a check that refuses a change of a type's resource while
        something depends on what it is now."""
        self._change_checks.setdefault(arm_type.lower(), []).append(check)

    def change_refusal(self, arm_type: str, resource, changes: Mapping[str, Any]) -> AzureRuleError | None:
        """The first refusal of the type's change checks, or None."""
        for check in self._change_checks.get(arm_type.lower(), ()):
            refusal = check(resource, changes)
            if refusal is not None:
                return refusal
        return None
    def add_page(self, key: str, url: Callable[[Any], str]) -> None:
        """A page of the portal menu an app provides (the "Network Watcher"
        entry): ``url(subscription)`` builds its address."""
        self._pages[key] = url

    def page_url(self, key: str, subscription) -> str | None:
        """The address of a registered page, or None when no app provides it."""
        url = self._pages.get(key)
        return url(subscription) if url is not None else None

    def add_wizard(self, kind: str, wizard: str) -> None:
        """A create wizard at ``/create/<kind>/``: ``wizard`` is the dotted
        path of its class (a portal.forms.CreateWizard), imported when first
        used so declaring it imports no form."""
        if kind in self._wizards:
            raise ValueError(f"The wizard '{kind}' is registered twice")
        self._wizards[kind] = wizard

    def wizards(self) -> dict[str, str]:
        """{kind: dotted path of the wizard class}."""
        return dict(self._wizards)

    def add_create_urls(self, patterns: str) -> None:
        """URLs a create wizard needs beside its page (the AKS wizard's live
        IP plan), served under ``/create/``: ``patterns`` is the dotted path
        of a list of URL patterns."""
        self._create_urls.append(patterns)

    def create_urls(self) -> list[str]:
        return list(self._create_urls)

    def add_snapshot_contributor(self, contribute: SnapshotContributor) -> None:
        self._snapshot.append(contribute)

    def snapshot_contributors(self) -> list[SnapshotContributor]:
        return list(self._snapshot)


registry = Registry()
