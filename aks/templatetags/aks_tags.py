"""Small filters of the AKS templates."""

from django import template

from portal.resources import resource_url

register = template.Library()


@register.filter
def thousands(value):
    """1581 -> '1,581' (django.contrib.humanize isn't installed)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value


@register.filter
def blade(resource) -> str:
    """The URL of a resource's blade (``{{ node.nic|blade }}``)."""
    return resource_url(resource)
