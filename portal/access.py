"""Sandbox-scoped lookups. Anything outside the visitor's sandbox is a 404,
never a 403 that would leak its existence (DESIGN: Tenancy)."""

import uuid

from django.http import Http404

from portal.models import ResourceGroup
from portal.prepared import PreparedInstances


def get_resource_group(request, subscription_id, rg_name: str) -> ResourceGroup:
    """A resource group of the visitor's sandbox by name (names are unique
    per subscription, whatever their case), with its subscription; the
    lookup is compiled once per process (portal/prepared.py). The 404 says
    what ``get_object_or_404`` said, which the error page shows."""
    group = None
    if request.sandbox is not None:
        try:
            subscription_id = uuid.UUID(str(subscription_id))
        except ValueError:
            subscription_id = None
        if subscription_id is not None:
            group = _RESOURCE_GROUP.first(sandbox=request.sandbox.pk, subscription_id=subscription_id, rg_name=rg_name)
    if group is None:
        raise Http404("No ResourceGroup matches the given query.")
    return group


def _in_group(queryset, sandbox, subscription_id, rg_name: str, name: str):
    return queryset.filter(
        sandbox=sandbox,
        resource_group__subscription__subscription_id=subscription_id,
        resource_group__name__iexact=rg_name,
        name__iexact=name,
    ).select_related("resource_group__subscription", "sandbox")


# What the prepared lookups are compiled with: values no resource has. The
# names hold "%" and "_" so that their LIKE-escaped form (``__iexact`` on
# SQLite) is told from the plain one (portal/prepared.py).
_SENTINELS = {
    "sandbox": -7_700_000_002,
    "subscription_id": uuid.UUID("00000000-0000-4000-8000-0000770000e1"),
    "rg_name": "zq7%rg_sentinel",
    "name": "zq7%name_sentinel",
}
_LOOKUPS: dict[tuple, PreparedInstances] = {}
_RESOURCE_GROUP = PreparedInstances(
    lambda sandbox, subscription_id, rg_name: ResourceGroup.objects.select_related("subscription").filter(
        subscription__sandbox=sandbox, subscription__subscription_id=subscription_id, name__iexact=rg_name
    ),
    sandbox=_SENTINELS["sandbox"],
    subscription_id=_SENTINELS["subscription_id"],
    rg_name=_SENTINELS["rg_name"],
)


def _prepared(model, related: tuple, filters: dict) -> PreparedInstances:
    key = (model, related, tuple(sorted(filters.items())))
    prepared = _LOOKUPS.get(key)
    if prepared is None:

        def build(**values):
            queryset = model.objects.filter(**filters)
            if related:
                queryset = queryset.select_related(*related)
            return _in_group(queryset, **values)

        prepared = _LOOKUPS.setdefault(key, PreparedInstances(build, **_SENTINELS))
    return prepared


def get_in_group(request, source, subscription_id, rg_name: str, name: str, *, related=(), filters=None):
    """A resource by name in a resource group of the visitor's sandbox.

    ``source`` is a model (with the ``related`` to select and the ``filters``
    its rows must match): the lookup is compiled once per process and shape
    (portal/prepared.py); or any queryset, compiled on each call."""
    if isinstance(source, type):
        if request.sandbox is None:
            raise Http404("Resource not found")
        try:
            subscription_id = uuid.UUID(str(subscription_id))
        except ValueError:
            raise Http404("Resource not found") from None
        obj = _prepared(source, tuple(related), filters or {}).first(
            sandbox=request.sandbox.pk, subscription_id=subscription_id, rg_name=rg_name, name=name
        )
    else:
        obj = _in_group(source, request.sandbox, subscription_id, rg_name, name).first()
    if obj is None:
        raise Http404("Resource not found")
    return obj


def blade_kwargs(resource) -> dict:
    """URL kwargs that address ``resource``'s blade (its resource ID)."""
    rg = resource.resource_group
    return {"subscription_id": rg.subscription.subscription_id, "rg": rg.name, "name": resource.name}


def get_listed_resource(request, subscription_id, rg: str, provider: str, type_name: str, name: str):
    """A resource of a listed type by its ID's parts (the pages every type
    has: Export template, Tags, Locks...), with its registered type; 404
    for an unknown type or anything outside the visitor's sandbox."""
    from portal.registry import registry

    resource_type = registry.find(f"{provider}/{type_name}")
    if resource_type is None or not resource_type.listed:
        raise Http404("Unknown resource type")
    model = resource_type.get_model()
    return get_in_group(request, model, subscription_id, rg, name, filters=resource_type.row_filter), resource_type
