"""Looking over a learner's shoulder (issue #13, item 3; docs/classroom.md,
"Looking over a shoulder"): the class's instructor opens a learner's portal,
the same blades, read only.

- CLS-35: only the class's instructor may watch one of its learners; anyone
  else (another instructor, a learner, a visitor) gets the portal's 404.
  Opening the watch URL with GET asks first; the POST (CSRF) starts.
- The view itself is the portal's (portal/viewing.py): this module's
  :func:`viewed` is its checker, asked on every request while the browser
  views (CLS-37), and the POST to :func:`stop` ends it.
"""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from classroom.models import Seat
from classroom.services import class_of, log_event
from classroom.views import instructor_of
from portal import changes, viewing


def viewed(request: HttpRequest) -> viewing.View | None:
    """CLS-37: the seat the session's marker names, if it still exists, in a
    class of the signed-in instructor; None otherwise (the class or the seat
    deleted, signed out, another account)."""
    marker = request.session.get(viewing.SESSION_KEY)
    if not isinstance(marker, dict) or not request.user.is_authenticated:
        return None
    try:
        klass_pk, seat_pk = int(marker["class"]), int(marker["seat"])
    except (KeyError, TypeError, ValueError):
        return None
    seat = (
        Seat.objects.select_related("klass", "sandbox")
        .filter(pk=seat_pk, klass_id=klass_pk, klass__instructor__user_id=request.user.pk)
        .first()
    )
    if seat is None:
        return None
    return viewing.View(
        sandbox=seat.sandbox, who=seat.display_name, where=seat.klass.name, stop_url=reverse("classroom:stop_watching")
    )


def _seat(request: HttpRequest, pk: int, seat_pk: int) -> Seat:
    """CLS-35: the learner's seat in the signed-in instructor's own class, or 404."""
    klass = class_of(instructor_of(request), pk)
    seat = Seat.objects.select_related("klass").filter(klass=klass, pk=seat_pk).first()
    if seat is None:
        raise Http404()
    return seat


def _board_url(seat: Seat | None) -> str:
    """Where "Stop viewing" lands: the class's board when it exists, else Classes."""
    if seat is not None:
        try:
            return reverse("classroom:board", args=[seat.klass_id])
        except NoReverseMatch:
            pass
    return reverse("classroom:classes")


def watch(request: HttpRequest, pk: int, seat_pk: int) -> HttpResponse:
    """GET: a page that asks (a link can't start a view behind the
    instructor's back). POST: the marker goes in the session and the browser
    opens the learner's Home, or the blade ``next`` names on this site."""
    seat = _seat(request, pk, seat_pk)
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) or not target.startswith("/"):
        target = reverse("home")
    if request.method in ("GET", "HEAD"):
        return render(
            request,
            "classroom/watch.html",
            {
                "instructor": seat.klass.instructor,
                "seat": seat,
                "next": target,
                "back_url": _board_url(seat),
                "page_title": f"View {seat.display_name}'s portal",
                "breadcrumbs": [{"label": "Classes", "url": reverse("classroom:classes")}, {"label": seat.klass.name}],
            },
        )
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    request.session[viewing.SESSION_KEY] = {"class": seat.klass_id, "seat": seat.pk}
    with changes.unnoticed():  # the class's log, no sandbox's state
        log_event(seat.klass, request.user.get_username(), "watch", f"Viewed {seat.display_name}'s portal")
    return HttpResponseRedirect(target)


def stop(request: HttpRequest) -> HttpResponse:
    """Stop viewing (POST, CSRF): the browser's own sandbox is back."""
    instructor_of(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    marker = request.session.pop(viewing.SESSION_KEY, None)
    seat = None
    if isinstance(marker, dict):
        seat = Seat.objects.filter(pk=marker.get("seat"), klass__instructor__user_id=request.user.pk).first()
    return HttpResponseRedirect(_board_url(seat))
