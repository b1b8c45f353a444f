"""Template tags of the frame that every app's blades use."""

from django import template
from django.urls import NoReverseMatch, reverse

from portal.access import blade_kwargs

register = template.Library()


@register.inclusion_tag("portal/essentials_tags.html")
def essentials_tags(resource) -> dict:
    """Essentials' "Tags (edit)" row, full width under the two columns: the
    resource's tags as chips, or "Click here to add tags" (portal-ui §1.7).
    Nothing for what has no tags (a resource group here)."""
    tags = getattr(resource, "tags", None)
    if tags is None or not getattr(resource, "arm_type", ""):
        return {"show": False}
    provider, _, type_name = resource.arm_type.partition("/")
    try:
        url = reverse("resource_tags", kwargs={**blade_kwargs(resource), "provider": provider, "type_name": type_name})
    except NoReverseMatch:
        return {"show": False}
    return {"show": True, "tags": sorted(tags.items(), key=lambda pair: pair[0].lower()), "url": url}


@register.inclusion_tag("portal/essentials_move.html", takes_context=True)
def essentials_move(context, resource, to: str = "group") -> dict:
    """Essentials' "(change)" link beside "Resource group" (``to="group"``)
    or "Subscription" (``to="subscription"``): it opens "Move resources"
    (portal-ui §1.7, portal/move.py), labelled as the era's portal does
    ("change" or "move"). Nothing for what lives in no resource group (a
    resource group itself) or has no blade of its own."""
    if getattr(resource, "resource_group", None) is None or not getattr(resource, "arm_type", ""):
        return {}
    provider, _, type_name = resource.arm_type.partition("/")
    try:
        url = reverse("resource_move", kwargs={**blade_kwargs(resource), "provider": provider, "type_name": type_name})
    except NoReverseMatch:
        return {}
    dom_id = "move-subscription-link" if to == "subscription" else "move-group-link"
    rules = context.get("rules")
    return {
        "url": f"{url}?to={to}" if to == "subscription" else url,
        "dom_id": dom_id,
        "label": getattr(rules, "essentials_move_label", "change"),
    }
