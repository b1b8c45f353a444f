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
    from labs import services

    run = services.active_run(sandbox)
    if run is None or services.lab_of(run) is None:
        return {}
    if run.mode == run.EXAM:  # exam mode: a page drawn after the exam's time finishes it (LAB-04)
        from labs import exams

        exam = exams.exam_of_run(run)
        if exam is not None and exams.sync(exam).finished:
            return {}
    return {"dock": {"template": "labs/dock.html", "progress": services.progress(run)}}
