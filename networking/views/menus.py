"""The networking blades' resource menus, built from URL names."""

from django.urls import reverse

from portal.access import blade_kwargs
from portal.urlcache import fast_reverse


def menu_item(label: str, icon: str, url_name: str, resource, active: str, key: str, **kwargs) -> dict:
    """One entry of the left resource menu; ``key`` marks the current page."""
    return {
        "label": label,
        "icon": icon,
        "url": fast_reverse(f"networking:{url_name}", **{**blade_kwargs(resource), **kwargs}),
        "active": active == key,
    }


def family_menu(resource, prefix: str, active: str, settings: list[tuple[str, str, str]]) -> list[dict]:
    """The resource menu: Overview and Activity log, then the type's Settings
    pages, then JSON View. ``settings`` is (label, icon, page)."""
    kwargs = blade_kwargs(resource)

    def item(label: str, icon: str, page: str) -> dict:
        return {
            "label": label,
            "icon": icon,
            "url": reverse(f"networking:{prefix}_{page}", kwargs=kwargs),
            "active": active == page,
        }

    groups = [
        {
            "heading": "",
            "items": [item("Overview", "bi-grid", "overview"), item("Activity log", "bi-journal-text", "activity")],
        },
        {"heading": "Settings", "items": [item(*s) for s in settings]},
        {"heading": "Automation", "items": [item("JSON View", "bi-braces", "json")]},
    ]
    if prefix == "nic":
        # portal-ui §8: the Network Watcher pages a NIC offers (networking/views/watcher.py).
        troubleshooting = [
            item("Effective security rules", "bi-shield-check", "effective_security_rules"),
            item("Effective routes", "bi-signpost-split", "effective_routes"),
        ]
        groups.append({"heading": "Support + troubleshooting", "items": troubleshooting})
    return groups
