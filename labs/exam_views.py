"""Exam practice: choosing an exam, moving from task to task, finishing, and
the result. Every exam is looked up in the request's own sandbox (another's
is a 404), and every view enforces the time first (LAB-04)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from labs import exams
from labs.forms import ExamForm, NextTaskForm
from labs.models import Exam
from portal.errors import AzureRuleError

_CRUMBS = [{"label": "Labs", "url": "labs:hub"}, {"label": "Exam practice", "url": "labs:exam_setup"}]


def _crumbs(*more: dict) -> list[dict]:
    return [{**c, "url": reverse(c["url"])} for c in _CRUMBS] + list(more)


def _exam(request: HttpRequest, pk: int) -> Exam:
    try:
        return exams.sync(exams.exam_of(request.sandbox, pk))
    except LookupError:
        raise Http404("No such exam") from None


def _form(data=None) -> ExamForm:
    return ExamForm(
        data,
        skills=exams.skill_areas(),
        tasks=exams.TASK_CHOICES,
        minutes=exams.MINUTE_CHOICES,
        initial={"exam": "AZ-104", "tasks": "3", "minutes": "30"},
    )


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Pick an exam, a skill area, how many tasks and how long; start."""
    active = exams.active_exam(request.sandbox)
    if active is not None:
        exams.sync(active)
        active = None if active.finished else active
    form = _form(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                exams.start_exam(request.sandbox, data["exam"], data["skill"], data["tasks"], data["minutes"])
            except AzureRuleError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                # A full page: the body's class (annotations off) changes.
                return redirect("home")
        status = 422
    context = {
        "form": form,
        "skills": exams.skill_areas(),
        "active": active,
        "past": [exams.report(exam) for exam in exams.past_exams(request.sandbox)],
        "page_title": "Exam practice",
        "breadcrumbs": _crumbs()[:1] + [{"label": "Exam practice"}],
    }
    return render(request, "labs/exam_setup.html", context, status=status)


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The exam in progress (the countdown lands here at zero), or its result."""
    exam = _exam(request, pk)
    if exam.finished:
        return redirect("labs:exam_result", pk=exam.pk)
    return _detail(request, exam)


def _detail(request: HttpRequest, exam: Exam, status: int = 200, error: str = "") -> HttpResponse:
    context = {
        "exam": exam,
        "seconds_left": (left := exams.seconds_left(exam)),
        "minutes_left": -(-left // 60),
        "exam_error": error,
        "page_title": f"{exam.exam} exam practice",
        "breadcrumbs": _crumbs({"label": "In progress"}),
    }
    return render(request, "labs/exam_detail.html", context, status=status)


@require_POST
def next_task(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _exam(request, pk)
    form = NextTaskForm(request.POST)
    if not exam.finished:
        if not form.is_valid():
            return _detail(request, exam, 422, "That task isn't the one in progress.")
        exams.next_task(exam, form.cleaned_data["task"])
    if exam.finished:
        return redirect("labs:exam_result", pk=exam.pk)
    return redirect("home")


@require_POST
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    exam = _exam(request, pk)
    if not exam.finished:
        exams.finish_exam(exam)
    return redirect("labs:exam_result", pk=exam.pk)


@require_GET
def result(request: HttpRequest, pk: int) -> HttpResponse:
    """The grade, by objective, and a review of each mistake with its
    explanation and rules (the exam is over: they may show now)."""
    exam = _exam(request, pk)
    if not exam.finished:
        return redirect("labs:exam", pk=exam.pk)
    context = {
        "report": exams.report(exam),
        "exam": exam,
        "page_title": f"{exam.exam} exam practice: result",
        "breadcrumbs": _crumbs({"label": "Result"}),
    }
    return render(request, "labs/exam_result.html", context)
