"""The live board (issue #13, item 3): the instructor's grid of the room.

CLS-19: the board is the portal's 404 to anyone but the class's instructor
(a learner, a visitor, another instructor), whatever the method; it is
read-only (GET and HEAD). Sorting and filtering are GET parameters, so the
page works without script; the rows then change live over the board's
WebSocket (classroom/consumers.py, classroom/live.py)."""

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse

from classroom import board, room
from classroom.services import class_of
from classroom.views import instructor_of


def board_page(request: HttpRequest, pk: int) -> HttpResponse:
    instructor = instructor_of(request)
    klass = class_of(instructor, pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    sort, show = request.GET.get("sort", "name"), request.GET.get("show", "all")
    grid = board.board_for(klass, sort=sort[:20], show=show[:20])
    return render(
        request,
        "classroom/board.html",
        {
            "instructor": instructor,
            "klass": klass,
            "board": grid,
            "sorts": board.SORTS,
            "filters": board.FILTERS,
            "idle_minutes": board.idle_minutes(),
            "menu_active": "board",
            "page_title": f"{klass.name} | Board",
            "breadcrumbs": [{"label": "Classes", "url": reverse("classroom:classes")}, {"label": klass.name}],
            # A filtered board isn't sent new learners' rows to add (they are
            # counted next to Refresh, as a learner who enters the filter is).
            "socket_url": f"/ws/classroom/{klass.pk}/board/" + ("" if grid.show == "all" else "?filtered=1"),
            "job": room.latest_job(klass),
        },
    )
