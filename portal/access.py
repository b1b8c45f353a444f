"""Sandbox-scoped lookups. Anything outside the visitor's sandbox is a 404,
never a 403 that would leak its existence (DESIGN: Tenancy)."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from portal.models import ResourceGroup


def get_resource_group(request, subscription_id, rg_name: str) -> ResourceGroup:
    return get_object_or_404(
        ResourceGroup.objects.select_related("subscription"),
        subscription__sandbox=request.sandbox,
        subscription__subscription_id=subscription_id,
        name__iexact=rg_name,
    )


def get_in_group(request, queryset, subscription_id, rg_name: str, name: str):
    """A resource by name in a resource group of the visitor's sandbox."""
    obj = (
        queryset.filter(
            sandbox=request.sandbox,
            resource_group__subscription__subscription_id=subscription_id,
            resource_group__name__iexact=rg_name,
            name__iexact=name,
        )
        .select_related("resource_group__subscription", "sandbox")
        .first()
    )
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
    queryset = resource_type.get_model().objects.filter(**resource_type.row_filter)
    return get_in_group(request, queryset, subscription_id, rg, name), resource_type
