"""What higher apps add to the account menu (the account tile at the top
right of every page).

The portal knows nothing of classes (the layer contract: portal never
imports classroom). An app registers a *provider* here from its
``AppConfig.ready``: ``(request) -> Entry | None``, asked while the page
is drawn whether it has anything for this browser's account menu (the
classroom: the class the sandbox is in and "Leave class"). Providers are
asked only when a full page draws the menu (never for a pane or a
fragment), and never while the request views another sandbox (CLS-36: a
viewer's menu is their own).

A provider must answer from the request's sandbox alone: the portal's pages
are kept per sandbox state (portal/pagecache.py), so an entry that depended
on anything else (the session, the signed-in user) could be served to a
browser it wasn't drawn for.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Entry:
    """An entry of the account menu: the template that draws it (inside
    the menu's ``<div>``) and what that template is given."""

    template: str
    context: dict = field(default_factory=dict)


Provider = Callable[[object], Entry | None]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider (an app's ``ready()``); entries are drawn in the
    order their providers were registered."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def entries(request) -> list[Entry]:
    """Every provider's entry for this request's account menu."""
    if getattr(request, "sandbox", None) is None or getattr(request, "viewing", None) is not None:
        return []
    found = (provider(request) for provider in _providers)
    return [entry for entry in found if entry is not None]
