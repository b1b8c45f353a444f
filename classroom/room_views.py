"""Acting on the room (issue #13, item 4): the panes and pages behind the
room's command bar (classroom/templates/classroom/_room_commands.html, on the
board and on the class's Room page).

CLS-21: every URL here is the portal's 404 to anyone but the class's own
instructor, whatever the method (checked before the method); every change
is a POST with Django's CSRF check, goes through classroom/room.py and is
logged. A GET of an action opens its pane (Yes/No, or a small form). The
pane's POST of an action over the seats starts the class's job and answers
at once: the pane closes and the page's bar follows the job (htmx), or the
Room page shows it (no script). Closing the class is one UPDATE: its
outcome is shown in the pane, or as a message on the Room page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from classroom import room
from classroom.models import Class, RoomJob
from classroom.services import class_of
from classroom.views import instructor_of
from portal.blades import confirm_action, respond
from portal.errors import AzureRuleError

PANE = "classroom/room_pane.html"
JOB = "classroom/_room_job.html"


def _owned(request: HttpRequest, pk: int, methods: tuple[str, ...]) -> tuple[str, Class] | HttpResponse:
    """CLS-21: the signed-in instructor's own class (404 for anyone else,
    before the method is looked at), or the 405 of a method the URL
    doesn't take."""
    instructor = instructor_of(request)
    klass = class_of(instructor, pk)
    if request.method not in methods:
        return HttpResponseNotAllowed(methods)
    return str(instructor), klass


def _context(klass: Class, **extra) -> dict:
    return {
        "klass": klass,
        "resource": {"name": klass.name},
        "instructor": klass.instructor,
        "breadcrumbs": [
            {"label": "Classes", "url": reverse("classroom:classes")},
            {"label": klass.name, "url": reverse("classroom:room", args=[klass.pk])},
        ],
        **extra,
    }


def _done(request: HttpRequest, klass: Class, title: str, text: str) -> HttpResponse:
    """A synchronous action's outcome (Close): in the pane for htmx, else a
    message on the Room page."""
    if request.htmx:
        return respond(
            request,
            PANE,
            "pane",
            _context(klass, pane={"kind": "result", "title": title, "text": text, "level": "success"}),
        )
    messages.success(request, text)
    return redirect("classroom:room", pk=klass.pk)


def _started(request: HttpRequest, klass: Class, job: RoomJob) -> HttpResponse:
    """An action over the seats has its job (CLS-28): for htmx the pane
    closes (an empty pane) and the page's bar becomes the job's, which
    follows it; without script, the Room page, whose bar shows it."""
    if request.htmx:
        response = render(request, JOB, {"klass": klass, "job": job, "oob": True})
        response["Vary"] = "HX-Request"
        return response
    return redirect("classroom:room", pk=klass.pk)


def _confirm(
    request: HttpRequest,
    pk: int,
    *,
    title: str,
    question: Callable[[Class], str],
    act: Callable[[str, Class], HttpResponse],
    dom_id: str,
    url: str,
) -> HttpResponse:
    owned = _owned(request, pk, ("GET", "HEAD", "POST"))
    if isinstance(owned, HttpResponse):
        return owned
    actor, klass = owned
    return confirm_action(
        request,
        _context(klass, page_title=title),
        act=lambda: act(actor, klass),
        title=title,
        question=question(klass),
        dom_id=dom_id,
        yes_id=f"{dom_id}-yes",
        action=reverse(url, args=[klass.pk]),
        cancel_url=reverse("classroom:room", args=[klass.pk]),
    )


def _learners(klass: Class) -> str:
    count = klass.seats.count()
    return f"{count} learner's sandbox" if count == 1 else f"{count} learners' sandboxes"


def _count(klass: Class) -> str:
    count = klass.seats.count()
    return f"{count} learner{'s' if count != 1 else ''}"


def next_lab(request: HttpRequest, pk: int) -> HttpResponse:
    """CLS-22: "Start next lab" (Yes/No)."""

    def question(klass: Class) -> str:
        lab = room.next_lab(klass)
        if lab is None:
            return f"'{klass.name}' is on its last lab: there is no next lab to start."
        return (
            f"Start lab {klass.current + 2} of {len(klass.lab_ids)}, '{lab.title}', in {_learners(klass)}? "
            "Their changes to the current lab are lost."
        )

    return _confirm(
        request,
        pk,
        title="Start next lab",
        question=question,
        act=lambda actor, klass: _started(request, klass, room.start_next_lab(klass, actor)),
        dom_id="next-lab-form",
        url="classroom:next_lab",
    )


def reset(request: HttpRequest, pk: int) -> HttpResponse:
    """CLS-24: "Reset everyone" (Yes/No)."""

    def question(klass: Class) -> str:
        lab = room.current_lab(klass)
        where = f"the start of '{lab.title}'" if lab else "the start of the current lab"
        return f"Reset {_learners(klass)} to {where}? Their changes are lost."

    return _confirm(
        request,
        pk,
        title="Reset everyone",
        question=question,
        act=lambda actor, klass: _started(request, klass, room.reset_room(klass, actor)),
        dom_id="reset-room-form",
        url="classroom:reset",
    )


def close(request: HttpRequest, pk: int) -> HttpResponse:
    """CLS-26: "Close class" (Yes/No)."""

    def act(actor: str, klass: Class) -> HttpResponse:
        room.close(klass, actor)
        text = f"'{klass.name}' is closed: no one new can join. Its learners keep their sandboxes."
        return _done(request, klass, "Close class", text)

    return _confirm(
        request,
        pk,
        title="Close class",
        question=lambda klass: (
            f"Close '{klass.name}'? No one new can join and the room takes no more actions. "
            f"Its learners keep their sandboxes ({_count(klass)} now), and the results stay here."
        ),
        act=act,
        dom_id="close-class-form",
        url="classroom:close",
    )


def _form_pane(request: HttpRequest, pk: int, kind: str, act: Callable[[str, Class, dict], RoomJob]) -> HttpResponse:
    """A pane with a small form (the scenario to push, the announcement):
    a field's refusal stays on the pane, under the field, with nothing done."""
    owned = _owned(request, pk, ("GET", "HEAD", "POST"))
    if isinstance(owned, HttpResponse):
        return owned
    actor, klass = owned
    titles = {"scenario": "Push a scenario", "announce": "Send an announcement"}
    values = {key: request.POST.get(key, "") for key in ("lab", "text")}
    error = None
    if request.method == "POST":
        try:
            return _started(request, klass, act(actor, klass, values))
        except AzureRuleError as exc:
            error = exc
    pane = {
        "kind": kind,
        "title": titles[kind],
        "action": reverse(f"classroom:{kind}", args=[klass.pk]),
        "values": values,
        "error": error,
        "field_error": error.message if error is not None and error.field else "",
        "scenarios": room.scenarios() if kind == "scenario" else (),
        "max": room.ANNOUNCEMENT_MAX,
        "sandboxes": _learners(klass),
        "learners": _count(klass),
    }
    return respond(
        request, PANE, "pane", _context(klass, page_title=titles[kind], pane=pane), status=422 if error else 200
    )


def scenario(request: HttpRequest, pk: int) -> HttpResponse:
    """CLS-23: "Push scenario": choose one of the catalog's scenarios."""
    return _form_pane(
        request, pk, "scenario", lambda actor, klass, values: room.push_scenario(klass, actor, values["lab"])
    )


def announce(request: HttpRequest, pk: int) -> HttpResponse:
    """CLS-25: "Announce": 1-280 characters to every learner's tabs and bell."""
    return _form_pane(request, pk, "announce", lambda actor, klass, values: room.announce(klass, actor, values["text"]))


def room_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The class's Room page: the room's command bar, where the class is,
    and what the room did (the class's log, newest first)."""
    owned = _owned(request, pk, ("GET", "HEAD"))
    if isinstance(owned, HttpResponse):
        return owned
    _, klass = owned
    return render(
        request,
        "classroom/room.html",
        _context(
            klass,
            page_title=f"{klass.name} - Room",
            current=room.current_lab(klass),
            upcoming=room.next_lab(klass),
            learners=klass.seats.count(),
            events=klass.events.all()[:30],
            job=room.latest_job(klass),
        ),
    )


def job(request: HttpRequest, pk: int) -> HttpResponse:
    """CLS-28: the room's bar, as the job it shows is now (htmx polls it
    every second while the job runs; the bar of a job that has ended asks
    no more). Without htmx, the Room page, which shows the same bar."""
    owned = _owned(request, pk, ("GET", "HEAD"))
    if isinstance(owned, HttpResponse):
        return owned
    _, klass = owned
    if not request.htmx:
        return redirect("classroom:room", pk=klass.pk)
    response = render(request, JOB, {"klass": klass, "job": room.latest_job(klass)})
    response["Vary"] = "HX-Request"
    response["Cache-Control"] = "no-store"
    return response


def export_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """CLS-27: the results as CSV, one row per learner per check."""
    owned = _owned(request, pk, ("GET", "HEAD"))
    if isinstance(owned, HttpResponse):
        return owned
    actor, klass = owned
    response = HttpResponse(room.export_csv(klass), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{room.export_filename(klass)}"'
    response["Cache-Control"] = "no-store"
    return response


def summary(request: HttpRequest, pk: int) -> HttpResponse:
    """CLS-27: the printable summary: per learner, labs, score and time."""
    owned = _owned(request, pk, ("GET", "HEAD"))
    if isinstance(owned, HttpResponse):
        return owned
    _, klass = owned
    learners = room.results(klass)
    return render(
        request,
        "classroom/room_summary.html",
        _context(
            klass,
            page_title=f"{klass.name} - Summary",
            learners=learners,
            done=sum(1 for learner in learners if learner.labs),
        ),
    )
