"""Small filters of the AKS templates."""

from django import template

register = template.Library()


@register.filter
def thousands(value):
    """1581 -> '1,581' (django.contrib.humanize isn't installed)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value
