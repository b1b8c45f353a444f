from functools import partial

from portal import account_menu


def shell(request):
    """What the portal's top bar needs on every page: the sandbox, its era
    rules, its subscription and the bell's count (all read by the middleware
    in one query)."""
    sandbox = getattr(request, "sandbox", None)
    if sandbox is None:
        return {}
    return {
        "sandbox": sandbox,
        "rules": sandbox.rules,
        "subscription": request.subscription,
        "unread_count": request.unread_count,
        # CLS-36: another browser looks at this sandbox (portal/viewing.py).
        "viewing": getattr(request, "viewing", None),
        "read_only": getattr(request, "viewing", None) is not None,
        # What higher apps add to the account menu (portal/account_menu.py):
        # a callable, so only a page that draws the menu asks the providers.
        "account_entries": partial(account_menu.entries, request),
    }
