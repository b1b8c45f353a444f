"""The Labs hub, a lab's page, and the panel docked beside every blade:
Check my work, hints, finishing and the result page. Every run is looked up
in the request's own sandbox (another's is a 404)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from labs import catalog, exams, services
from labs.forms import CatalogFilterForm, HintForm
from labs.models import LabRun
from labs.schema import Lab
from portal.blades import go
from portal.errors import AzureRuleError


def _lab(lab_id: str) -> Lab:
    lab = catalog.get(lab_id)
    if lab is None:
        raise Http404("No such lab")
    return lab


def _run(request: HttpRequest, pk: int) -> LabRun:
    try:
        return services.run_of(request.sandbox, pk)
    except LookupError:
        raise Http404("No such lab run") from None


def _matches(lab: Lab, wanted: dict) -> bool:
    if "exam" in wanted and wanted["exam"] not in {exam for exam, _ in lab.objectives}:
        return False
    if "topic" in wanted and wanted["topic"].upper() not in lab.topics:
        return False
    if "level" in wanted and lab.level != wanted["level"]:
        return False
    if "duration" in wanted and lab.duration > int(wanted["duration"]):
        return False
    return "kind" not in wanted or lab.kind == wanted["kind"]


@require_GET
def hub(request: HttpRequest) -> HttpResponse:
    form = CatalogFilterForm(request.GET)
    wanted = form.values()
    latest: dict[str, LabRun] = {}
    for run in LabRun.objects.filter(sandbox=request.sandbox).order_by("started_at", "pk"):
        latest[run.lab_id] = run
    rows = [{"lab": lab, "run": latest.get(lab.id)} for lab in catalog.load().values() if _matches(lab, wanted)]
    topics = sorted({topic for lab in catalog.load().values() for topic in lab.topics})
    context = {
        "rows": rows,
        "form": form,
        "topics": topics,
        "active": services.active_run(request.sandbox),
        "page_title": "Labs",
        "breadcrumbs": [{"label": "Labs"}],
    }
    return render(request, "labs/hub.html", context)


@require_GET
def detail(request: HttpRequest, lab_id: str) -> HttpResponse:
    lab = _lab(lab_id)
    context = {
        "lab": lab,
        "active": services.active_run(request.sandbox),
        "page_title": lab.title,
        "breadcrumbs": [{"label": "Labs", "url": reverse("labs:hub")}, {"label": lab.title}],
    }
    return render(request, "labs/detail.html", context)


@require_POST
def start(request: HttpRequest, lab_id: str) -> HttpResponse:
    lab = _lab(lab_id)
    exams.end_active(request.sandbox)  # exam mode: an exam in progress ends, graded as it is
    services.start_lab(request.sandbox, lab)
    return go(request, reverse("home"))


def _panel(request: HttpRequest, run: LabRun, progress: services.Progress, status: int = 200, error=None):
    return render(
        request,
        "labs/panel.html",
        {"progress": progress, "sandbox": request.sandbox, "panel_error": error},
        status=status,
    )


@require_GET
def panel(request: HttpRequest, run: int) -> HttpResponse:
    found = _run(request, run)
    return _panel(request, found, services.progress(found))


@require_POST
def check(request: HttpRequest, run: int) -> HttpResponse:
    """Check my work: grade now (the same answer for two tabs at once: the
    grade is a function of the estate)."""
    found = _run(request, run)
    if found.finished:
        return go(request, reverse("labs:result", args=[found.pk]))
    return _panel(request, found, services.progress(found, regrade=True))


@require_POST
def hint(request: HttpRequest, run: int) -> HttpResponse:
    found = _run(request, run)
    form = HintForm(request.POST)
    error = None
    if not form.is_valid():
        error = AzureRuleError("That hint doesn't exist.", rule_ids=("LAB-02",))
    else:
        try:
            services.take_hint(found, form.cleaned_data["task"], form.cleaned_data["hint"])
        except AzureRuleError as exc:
            error = exc
    return _panel(request, found, services.progress(found), status=422 if error else 200, error=error)


@require_POST
def finish(request: HttpRequest, run: int) -> HttpResponse:
    found = _run(request, run)
    if (exam := exams.exam_in_progress(found)) is not None:  # exam mode: the exam finishes its tasks
        return go(request, reverse("labs:exam", args=[exam.pk]))
    if not found.finished:
        services.finish(found)
    return _whole_page(request, reverse("labs:result", args=[found.pk]))


def _whole_page(request: HttpRequest, url: str) -> HttpResponse:
    """Leave for a page without the panel: a full load (HX-Redirect), as the
    panel lives outside the region HX-Location swaps. (A panel pushed over
    the WebSocket has no CSRF token of its own: htmx sends the page's.)"""
    if request.htmx:
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_GET
def result(request: HttpRequest, run: int) -> HttpResponse:
    found = _run(request, run)
    if (exam := exams.exam_in_progress(found)) is not None:  # exam mode: no explanations before the end
        return redirect("labs:exam", pk=exam.pk)
    progress = services.progress(found)
    lab = progress.lab
    context = {
        "progress": progress,
        "read_next": [catalog.get(lab_id) for lab_id in lab.read_next if catalog.get(lab_id)],
        "page_title": f"{lab.title}: result",
        "breadcrumbs": [
            {"label": "Labs", "url": reverse("labs:hub")},
            {"label": lab.title, "url": reverse("labs:detail", args=[lab.id])},
            {"label": "Result"},
        ],
    }
    return render(request, "labs/result.html", context)
