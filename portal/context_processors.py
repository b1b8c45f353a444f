from portal.services import bell_context


def shell(request):
    """What the portal's top bar needs on every page: the sandbox, its era
    rules, its subscription and the notification bell."""
    sandbox = getattr(request, "sandbox", None)
    if sandbox is None:
        return {}
    return {
        "sandbox": sandbox,
        "rules": sandbox.rules,
        "subscription": sandbox.subscriptions.first(),
        **bell_context(sandbox),
    }
