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
    # The eras whose portal has the page (empty: every era).
    eras: tuple[str, ...] = ()

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

# The pages every resource has (portal-ui §1.7), served by portal/resource_views.py
# and added to every listed type's menu by :func:`standard_menu`.
ACTIVITY_LOG = MenuItem("Activity log", "bi-journal-text", "resource_activity_log", "activity_log", generic=True)
IAM = MenuItem("Access control (IAM)", "bi-people", "resource_iam", "iam", generic=True)
TAGS = MenuItem("Tags", "bi-tag", "resource_tags", "tags", generic=True)
DIAGNOSE = MenuItem(
    "Diagnose and solve problems", "bi-wrench-adjustable", "resource_diagnose", "diagnose", generic=True
)
LOCKS = MenuItem("Locks", "bi-lock", "resource_locks", "locks", generic=True)


def standard_menu(menu: tuple[MenuSection, ...]) -> tuple[MenuSection, ...]:
    """``menu`` with the pages every resource has: Activity log (where the
    type has none of its own), Access control (IAM), Tags and Diagnose and
    solve problems after it in the top group, and Locks at the end of
    Settings (a Settings section is made after the top group if missing)."""
    if not menu:
        return menu
    top, rest = menu[0], list(menu[1:])
    items = list(top.items)
    if not any(item.label == ACTIVITY_LOG.label for item in items):
        items.insert(1, ACTIVITY_LOG)
    after = next(i for i, item in enumerate(items) if item.label == ACTIVITY_LOG.label) + 1
    items[after:after] = [item for item in (IAM, TAGS, DIAGNOSE) if item not in items]
    settings = next((i for i, section in enumerate(rest) if section.heading == "Settings"), None)
    if settings is None:
        rest.insert(0, MenuSection("Settings", (LOCKS,)))
    elif LOCKS not in rest[settings].items:
        rest[settings] = MenuSection("Settings", (*rest[settings].items, LOCKS))
    return (MenuSection(top.heading, tuple(items)), *rest)


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
    ``badge_pk``, ``badge_state`` and ``oob``; its element's id is
    ``id_prefix`` and the pk, and it carries ``data-live`` so a tab that
    (re)connects asks for its state (portal.services.render_state)."""

    operation_kinds: tuple[str, ...]
    states: Callable[[Any, Iterable[int], Any], dict[int, str]]
    partial: str
    id_prefix: str


@dataclass(frozen=True)
class Diagnostic:
    """A troubleshooting tool on a type's Diagnose and solve problems page.
    ``url(resource)`` is its address for one resource (a page of the type's
    own blade, or the region's Network Watcher)."""

    label: str
    icon: str
    description: str
    url: Callable[[Any], str]


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

MoveCheck = Callable[["Model", Any, bool], "AzureRuleError | None"]
"""``check(resource, target_group, cross_subscription)``: why a type's rules
refuse moving ``resource`` to ``target_group`` (another subscription's when
``cross_subscription``), or None (portal/move.py asks, MOVE-02..)."""

LiveElement = Callable[[Any], str]
"""``render(sandbox)``: a live element of a higher app (the lab panel) as it
is now, drawn out of band for a tab that (re)connects, or "" when the
sandbox has none now."""

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
    # Diagnose and solve problems: (label, description, URL name) of the
    # troubleshooting tools a resource of this type offers, each URL taking
    # the resource's blade kwargs; more come from Registry.add_diagnostic.
    diagnose: tuple[Diagnostic, ...] = ()
    # Finds a resource by its parsed ID (portal.arm.ids.ResourceId) in a
    # sandbox; child types (subnets, rules) give their own. The default looks
    # the name up in the resource group.
    find: Callable[[Any, Any], Any] | None = None
    # The type as Azure's Activity log names it in an operation ("Create or
    # Update Public Ip Address", "Delete Nat Gateway"); empty: the label with
    # each word's first letter upper-cased ("Virtual network" -> "Virtual
    # Network", "Private DNS zone" -> "Private DNS Zone").
    activity_name: str = ""

    @property
    def operation_noun(self) -> str:
        """The type in an Activity log operation's name (CLS-13)."""
        return self.activity_name or " ".join(word[:1].upper() + word[1:] for word in self.label.split())

    def lookup(self, sandbox, resource_id):
        """The resource a parsed ID names in ``sandbox``, or None."""
        if self.find is not None:
            return self.find(sandbox, resource_id)
        return (
            self.rows(sandbox)
            .filter(resource_group__name__iexact=resource_id.resource_group, name__iexact=resource_id.name)
            .select_related("resource_group__subscription")  # its ARM ID, read by every document
            .first()
        )

    def get_model(self) -> type[Model]:
        from django.apps import apps

        return apps.get_model(self.model)

    def rows(self, sandbox):
        """This type's resources in a sandbox."""
        return self.get_model().objects.filter(sandbox=sandbox, **self.row_filter)


def _lock_refusal(operation: str, resource) -> AzureRuleError | None:
    """A management lock's refusal of ``operation`` ("delete" or "change")
    on ``resource``; something without an ARM ID has no lock."""
    arm_id = getattr(resource, "arm_id", None)
    if not arm_id:
        return None
    # The locks are rows of portal's models: imported when asked, so the
    # registry stays importable before the apps are ready.
    from portal import locks

    return locks.delete_refusal(arm_id) if operation == "delete" else locks.change_refusal(arm_id)


class Registry:
    def __init__(self) -> None:
        self._types: dict[str, ResourceType] = {}
        self._snapshot: list[SnapshotContributor] = []
        self._pending_checks: dict[str, list[UsageCheck]] = {}
        # Kept by ARM type, registered or not: a higher app adds these to a
        # lower app's type whatever order the apps are ready in.
        self._user_lookups: dict[str, list[UserLookup]] = {}
        self._change_checks: dict[str, list[ChangeCheck]] = {}
        self._move_checks: dict[str, list[MoveCheck]] = {}
        self._pages: dict[str, Callable[[Any], str]] = {}
        self._diagnostics: dict[str, list[Diagnostic]] = {}
        self._wizards: dict[str, str] = {}
        self._create_urls: list[str] = []
        self._live_elements: dict[str, LiveElement] = {}

    def register(self, resource_type: ResourceType) -> ResourceType:
        key = resource_type.arm_type.lower()
        if key in self._types:
            raise ValueError(f"{resource_type.arm_type} is registered twice")
        resource_type.usage_checks.extend(self._pending_checks.pop(key, []))
        if resource_type.listed:
            resource_type.menu = standard_menu(resource_type.menu)
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

    def add_live_element(self, element_id: str, render: LiveElement) -> None:
        """A live element a higher app draws on pages (its ``data-live``
        element's id), for the state a tab gets when it (re)connects."""
        self._live_elements[element_id] = render

    def live_elements(self, sandbox, element_ids: Iterable[str]) -> list[str]:
        """The registered live elements among ``element_ids``, drawn now."""
        wanted = sorted(set(element_ids) & self._live_elements.keys())
        return [html for i in wanted if (html := self._live_elements[i](sandbox))]

    def add_usage_check(self, arm_type: str, check: UsageCheck) -> None:
        """Add a "who uses this?" check to a type, registered or not yet."""
        found = self.find(arm_type)
        if found is not None:
            found.usage_checks.append(check)
        else:
            self._pending_checks.setdefault(arm_type.lower(), []).append(check)

    def usage_refusal(self, arm_type: str, resource) -> AzureRuleError | None:
        """Why ``resource`` can't be deleted now: a lock on it or above it
        (LOCK-01, LOCK-02), else the first refusal of the type's usage
        checks, or None."""
        refusal = _lock_refusal("delete", resource)
        if refusal is not None:
            return refusal
        found = self.find(arm_type)
        for check in found.usage_checks if found else ():
            refusal = check(resource)
            if refusal is not None:
                return refusal
        return self._pending_refusal(arm_type, resource) if found is None else None

    def refuse_delete(self, resource) -> None:
        """Raise :meth:`usage_refusal`'s refusal for ``resource``: every
        delete service of a listed type calls this first."""
        refusal = self.usage_refusal(resource.arm_type, resource)
        if refusal is not None:
            raise refusal

    def refuse_change(self, *resources) -> None:
        """Raise a read-only lock's refusal (LOCK-02, ScopeLocked) when one
        covers any of ``resources``: every change service calls this before
        it writes, naming what the write changes: the resource (a child's
        parent: a rule's NSG, a peering's VNet), the subnet an association
        changes, the resource group a create adds to. The type's change
        checks are :meth:`change_refusal`'s, for the changes they judge."""
        # The locks are rows of portal's models (imported when asked, as in
        # _lock_refusal), read for all of them in one query; the first
        # resource's refusal comes first.
        from portal import locks

        arm_ids = [arm_id for arm_id in (getattr(r, "arm_id", None) for r in resources) if arm_id]
        for arm_id, covered in zip(arm_ids, locks.covering_each(arm_ids), strict=True):
            refusal = locks.change_refusal(arm_id, covered)
            if refusal is not None:
                raise refusal

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
        """Why ``resource`` can't be changed now: a read-only lock on it or
        above it (LOCK-02), else the first refusal of the type's change
        checks, or None."""
        refusal = _lock_refusal("change", resource)
        if refusal is not None:
            return refusal
        for check in self._change_checks.get(arm_type.lower(), ()):
            refusal = check(resource, changes)
            if refusal is not None:
                return refusal
        return None

    def add_move_check(self, arm_type: str, check: MoveCheck) -> None:
        """Add a rule that refuses moving a type's resource to another
        resource group or subscription (AKS: a cluster can't move; App
        Service: an integrated app can't change subscription)."""
        self._move_checks.setdefault(arm_type.lower(), []).append(check)

    def move_refusal(self, arm_type: str, resource, target_group, cross_subscription: bool) -> AzureRuleError | None:
        """The first refusal of the type's move checks, or None."""
        for check in self._move_checks.get(arm_type.lower(), ()):
            refusal = check(resource, target_group, cross_subscription)
            if refusal is not None:
                return refusal
        return None

    def add_diagnostic(self, arm_type: str, diagnostic: Diagnostic) -> None:
        """Add a tool to a type's Diagnose and solve problems page (a higher
        app's tool for a lower app's type, or a type's own)."""
        self._diagnostics.setdefault(arm_type.lower(), []).append(diagnostic)

    def diagnostics(self, arm_type: str) -> list[Diagnostic]:
        """The tools of a type's Diagnose and solve problems page."""
        found = self.find(arm_type)
        return [*(found.diagnose if found else ()), *self._diagnostics.get(arm_type.lower(), ())]

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
