"""The resources the portal lists (All resources, resource groups, Home),
over the registry's listed types. Lists are one UNION query over the types,
sorted and sliced in the database, so a page costs the same however large the
sandbox grows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import CharField, Max, Q, Value
from django.db.models.functions import Lower
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal.arm import ids
from portal.arm.errors import ArmError
from portal.models import ActivityLogEntry, region_name
from portal.paging import PAGE_SIZE
from portal.prepared import PreparedQuery
from portal.registry import registry
from portal.urlcache import fast_reverse

if TYPE_CHECKING:
    from django.db.models import Model


def type_choices() -> list[tuple[str, str]]:
    """The All resources type filter: every listed type, by its label."""
    return sorted(((t.arm_type, t.label) for t in registry.listed()), key=lambda choice: choice[1].lower())


def type_label(arm_type: str) -> str:
    found = registry.find(arm_type)
    return found.label if found is not None else arm_type


def resource_models() -> list[type[Model]]:
    """The models behind the listed types, each once."""
    return list(dict.fromkeys(t.get_model() for t in registry.listed()))


@dataclass(frozen=True)
class ResourceRow:
    """One line of a resource list: enough to show it and link to its blade."""

    name: str
    arm_type: str
    resource_group: str
    location: str
    created_at: datetime
    subscription_id: str
    subscription_name: str
    # Home's Recent resources: when the learner last acted on it.
    last_activity: datetime | None = None

    @property
    def type_label(self) -> str:
        return type_label(self.arm_type)

    @property
    def region(self) -> str:
        return region_name(self.location)

    @property
    def arm_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}/providers/{self.arm_type}/{self.name}"

    @property
    def url(self) -> str:
        return blade_url(self.arm_type, self.subscription_id, self.resource_group, self.name)


def _union(sandbox, *, q="", arm_type="", resource_group=None):
    parts = []
    wanted = arm_type.lower()
    for resource_type in registry.listed():
        if wanted and resource_type.arm_type.lower() != wanted:
            continue
        qs = resource_type.rows(sandbox)
        if resource_group is not None:
            qs = qs.filter(resource_group=resource_group)
        if q:
            qs = qs.filter(name__icontains=q)
        parts.append(
            qs.annotate(kind=Value(resource_type.arm_type, output_field=CharField()), sort_name=Lower("name"))
            .order_by()
            .values_list("kind", "name", "resource_group__name", "location", "created_at", "sort_name")
        )
    if not parts:
        return None
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def _rows(sandbox, raw, subscription=None) -> list[ResourceRow]:
    subscription = subscription or sandbox.subscriptions.first()
    return [
        ResourceRow(
            name=name,
            arm_type=kind,
            resource_group=rg,
            location=location,
            created_at=_as_datetime(created_at),
            subscription_id=str(subscription.subscription_id),
            subscription_name=subscription.display_name,
        )
        for kind, name, rg, location, created_at, _ in raw
    ]


# The UNIONs are compiled once per filter shape (portal/prepared.py): their
# compilation over sixteen types cost more than running them.
_PREPARED: dict[tuple, PreparedQuery] = {}
_SANDBOX = -7_777_001
_GROUP = -7_777_002
_Q = "\x01vnetlab-q\x01"


def _prepared(*, q: bool, arm_type: str, grouped: bool, order: tuple[str, ...]) -> PreparedQuery | None:
    key = (q, arm_type.lower(), grouped, order)
    if key not in _PREPARED:
        if _union(_SANDBOX, arm_type=arm_type) is None:
            return None

        def build(sandbox, q_text, group):
            union = _union(sandbox, q=q_text if q else "", arm_type=arm_type, resource_group=group if grouped else None)
            return union.order_by(*order) if order else union

        _PREPARED[key] = PreparedQuery(build, sandbox=_SANDBOX, q_text=_Q, group=_GROUP)
    return _PREPARED[key]


def _values(sandbox, q: str, resource_group) -> dict:
    return {
        "sandbox": sandbox.pk,
        "q_text": connection.ops.prep_for_like_query(q),
        "group": resource_group.pk if resource_group is not None else _GROUP,
    }


def resource_total(sandbox, *, q="", arm_type="", resource_group=None) -> int:
    """How many resources the list holds (one COUNT over the UNION)."""
    counter = _prepared(q=bool(q), arm_type=arm_type, grouped=resource_group is not None, order=())
    return 0 if counter is None else counter.count(**_values(sandbox, q, resource_group))


def resource_rows(
    sandbox, *, q="", arm_type="", resource_group=None, offset=0, limit=PAGE_SIZE, subscription=None
) -> list[ResourceRow]:
    """The list's rows ``offset`` to ``offset + limit``, sorted by name.
    ``subscription`` is the sandbox's first (a request's, which the shell
    read), or read here."""
    lister = _prepared(q=bool(q), arm_type=arm_type, grouped=resource_group is not None, order=("sort_name", "kind"))
    if lister is None:
        return []
    raw = lister.rows(suffix=" LIMIT %s OFFSET %s", extra=(limit, offset), **_values(sandbox, q, resource_group))
    return _rows(sandbox, raw, subscription)


def resource_page(sandbox, *, q="", arm_type="", resource_group=None, page=1, per_page=PAGE_SIZE):
    """(rows of the page, total count, number of pages, the page shown)."""
    total = resource_total(sandbox, q=q, arm_type=arm_type, resource_group=resource_group)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    offset = (page - 1) * per_page
    rows = resource_rows(sandbox, q=q, arm_type=arm_type, resource_group=resource_group, offset=offset, limit=per_page)
    return rows, total, pages, page


def count_resources(sandbox) -> int:
    return _prepared(q=False, arm_type="", grouped=False, order=()).count(**_values(sandbox, "", None))


def recent_resources(sandbox, limit=8) -> list[ResourceRow]:
    """The resources the learner acted on, most recent first: read from the
    sandbox's own Activity log, so a loaded estate (the seed, a lab's start)
    shows none. A child's activity (a subnet, a rule) counts for its parent."""
    acted = (
        ActivityLogEntry.objects.filter(sandbox=sandbox)
        .values("resource_id")
        .annotate(last=Max("timestamp"))
        .order_by("-last")[:_RECENT_WINDOW]
    )
    latest: dict[tuple[str, str, str], tuple[datetime, str, str, str]] = {}
    for row in acted:
        top = _top_level(row["resource_id"])
        if top is None:
            continue
        resource_type, rg, name = top
        key = (resource_type.arm_type, rg.lower(), name.lower())
        if key not in latest:
            latest[key] = (row["last"], resource_type.arm_type, rg, name)
    found = _existing(sandbox, latest.values())
    rows = []
    for when, arm_type, rg, name in sorted(latest.values(), key=lambda item: item[0], reverse=True):
        resource = found.get((arm_type, rg.lower(), name.lower()))
        if resource is not None:
            rows.append(replace(resource, last_activity=when))
        if len(rows) == limit:
            break
    return rows


# How many Activity log resources Recent looks at: enough for the rows
# of resources since deleted or acted on through their children.
_RECENT_WINDOW = 60


def _top_level(resource_id: str):
    """(listed type, resource group, name) of the top-level resource an ID
    names or lies under, or None (a resource group, an unlisted type)."""
    try:
        parsed = ids.parse(resource_id)
    except ArmError:
        return None
    namespace, *types = parsed.arm_type.split("/")
    resource_type = registry.find(f"{namespace}/{types[0]}")
    if resource_type is None or not resource_type.listed:
        return None
    return resource_type, parsed.resource_group, parsed.names[0]


def _existing(sandbox, wanted) -> dict[tuple[str, str, str], ResourceRow]:
    """The rows of the resources that still exist, one query per type."""
    by_type: dict[str, list[tuple[str, str]]] = {}
    for _, arm_type, rg, name in wanted:
        by_type.setdefault(arm_type, []).append((rg, name))
    subscription = sandbox.subscriptions.first()
    found = {}
    for arm_type, names in by_type.items():
        match = Q()
        for rg, name in names:
            match |= Q(resource_group__name__iexact=rg, name__iexact=name)
        for name, rg, location, created_at in (
            registry.get(arm_type)
            .rows(sandbox)
            .filter(match)
            .values_list("name", "resource_group__name", "location", "created_at")
        ):
            found[(arm_type, rg.lower(), name.lower())] = ResourceRow(
                name=name,
                arm_type=arm_type,
                resource_group=rg,
                location=location,
                created_at=created_at,
                subscription_id=str(subscription.subscription_id),
                subscription_name=subscription.display_name,
            )
    return found


def _as_datetime(value) -> datetime:
    """Raw rows carry SQLite's naive (or text) timestamps; the ORM would have
    converted them."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def blade_url(arm_type: str, subscription_id, rg: str, name: str) -> str:
    """A resource's overview blade (its URL carries the resource ID)."""
    sub = subscription_id if isinstance(subscription_id, uuid.UUID) else uuid.UUID(str(subscription_id))
    provider, type_name = arm_type.split("/", 1)
    resource_type = registry.find(arm_type)
    if resource_type is not None and resource_type.overview_url:
        kwargs = {"subscription_id": sub, "rg": rg, "name": name}
        if resource_type.url_provider:
            kwargs["provider"] = provider
        try:
            return fast_reverse(resource_type.overview_url, **kwargs)
        except NoReverseMatch:
            pass
    # A type without a blade of its own gets the generic overview.
    return fast_reverse(
        "networking:resource_overview", subscription_id=sub, rg=rg, name=name, provider=provider, type_name=type_name
    )


def resource_url(resource) -> str:
    """The blade of a resource object: its URL carries the resource ID."""
    rg = resource.resource_group
    return blade_url(resource.arm_type, rg.subscription.subscription_id, rg.name, resource.name)
