def dock(request):
    """The lab panel docked beside every blade while a lab is in progress,
    from the run's last grade (no check runs to draw a page)."""
    sandbox = getattr(request, "sandbox", None)
    if sandbox is None or request.path.startswith("/labs/run/"):
        return {}
    if getattr(request, "htmx", False):
        # A fragment (or #main after HX-Location) never redraws the panel,
        # which lives outside #main: no query for it.
        return {}
    from labs import live

    progress = live.docked_progress(sandbox)
    return {"dock": {"template": "labs/dock.html", "progress": progress}} if progress is not None else {}
