"""The instructor's pages: sign in, sign out, Classes, a class's overview;
and the learner's join pages (docs/classroom.md, "Classes and joining").

Every page but sign-in is the portal's 404 to anyone who is not signed in
as an instructor (issue #13: a learner never sees the board), whatever the
method. Signing in or out keeps the browser's sandbox: the account and the
sandbox are separate things that share the session cookie
(docs/classroom.md)."""

import hashlib
from collections.abc import Callable

import qrcode
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LoginView, LogoutView
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from classroom import codes, join
from classroom.forms import ClassForm, DisplayNameForm, JoinCodeForm, SignInForm
from classroom.models import Class, Instructor
from classroom.services import class_of, create_class, log_event
from labs import catalog
from portal import blades, lifecycle
from portal.eras import Era
from portal.inputs import db_text
from portal.middleware import SESSION_KEY
from portal.middleware import refused as sandbox_refused


def instructor_of(request: HttpRequest) -> Instructor:
    """The signed-in instructor, or the portal's 404 for anyone else (no
    account, a learner's sandbox cookie, a user who is not an instructor)."""
    user = request.user
    if not user.is_authenticated:
        raise Http404()
    try:
        return user.instructor
    except Instructor.DoesNotExist:
        raise Http404() from None


def _keeping_sandbox(request: HttpRequest, act: Callable[[], HttpResponse]) -> HttpResponse:
    """Run ``act`` (Django's login or logout, which may flush the session)
    and put the browser's sandbox back in the session if it went."""
    secret = request.session.get(SESSION_KEY)
    response = act()
    if secret and request.session.get(SESSION_KEY) != secret:
        request.session[SESSION_KEY] = secret
    return response


class SignInView(LoginView):
    """Django's LoginView: CSRF, a safe ``next``, a new session key on
    success. A signed-in instructor may sign in with a different account."""

    template_name = "classroom/sign_in.html"
    authentication_form = SignInForm
    extra_context = {"page_title": "Sign in to your account"}

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """CLS-41: after too many failed sign-ins in a minute from this
        address, or for this account name, every try is refused (429) until
        the minute has passed, the right password too: guessing stays slow."""
        wait = _sign_in_wait(request, request.POST.get("username", ""), timezone.now())
        if wait is None:
            return super().post(request, *args, **kwargs)
        plural = "s" if wait != 1 else ""
        context = self.get_context_data(form=self.get_form_class()(request))
        context["too_many"] = f"You've tried to sign in too many times. Try again in {wait} second{plural}."
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(wait)
        return response

    def form_invalid(self, form) -> HttpResponse:
        join.count(_sign_in_keys(self.request, self.request.POST.get("username", "")), timezone.now())
        return super().form_invalid(form)

    def form_valid(self, form) -> HttpResponse:
        return _keeping_sandbox(self.request, lambda: super(SignInView, self).form_valid(form))


def _sign_in_keys(request: HttpRequest, username: str) -> list[str]:
    """The address's key and the account name's (a hash: a mistyped
    password typed in the name box is not kept)."""
    name = hashlib.sha256(username.strip().casefold().encode("utf-8", "replace")).hexdigest()[:32]
    return ["signin:" + lifecycle.address_tag(lifecycle.client_address(request)), "signin-user:" + name]


def _sign_in_wait(request: HttpRequest, username: str, now) -> int | None:
    address_key, user_key = _sign_in_keys(request, username)
    waits = [
        join.wait_seconds(address_key, settings.VNETLAB_SIGN_IN_FAILURES_PER_MINUTE, now),
        join.wait_seconds(user_key, settings.VNETLAB_SIGN_IN_FAILURES_PER_ACCOUNT_PER_MINUTE, now),
    ]
    return max((w for w in waits if w is not None), default=None)


class SignOutView(LogoutView):
    """Django's LogoutView (POST only), then back to the sign-in page with
    Microsoft's words. Nobody signed in: 404."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            raise Http404()
        response = _keeping_sandbox(request, lambda: super(SignOutView, self).post(request, *args, **kwargs))
        messages.info(request, "You signed out of your account. It's a good idea to close all browser windows.")
        return response


def classes(request: HttpRequest) -> HttpResponse:
    """The instructor's landing page: a grid of their own classes (CLS-08)
    and "+ Create"."""
    instructor = instructor_of(request)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    rows = instructor.classes.annotate(learners=Count("seats")).order_by("-created_at", "-pk")
    return render(
        request,
        "classroom/classes.html",
        {
            "instructor": instructor,
            "classes": rows,
            "page_title": "Classes",
            "breadcrumbs": [{"label": "Classes"}],
        },
    )


def create(request: HttpRequest) -> HttpResponse:
    """The "Create a class" context pane (CLS-05): a bad field is a message on
    the field and nothing is written; a good one opens the new class."""
    instructor = instructor_of(request)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    form = ClassForm(request.POST if request.method == "POST" else None)
    move = request.POST.get("move", "") if request.method == "POST" else ""
    if move:  # CLS-05: a lab checked, cleared or moved in the run order; nothing is saved
        form = _moved(form, move)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        klass = create_class(
            instructor,
            data["name"],
            lab_ids=data["labs"],  # CLS-05: in the run order the instructor set
            era=data["era"],
            exam_mode=data["exam_mode"],
            capacity=data["capacity"],
        )
        log_event(klass, instructor.user.get_username(), "create", klass.name)
        overview = reverse("classroom:class_overview", args=[klass.pk])
        if request.htmx:  # the whole page: the pane closes with the Classes page it was over
            response = HttpResponse(status=200)
            response["HX-Redirect"] = overview
            return response
        return redirect(overview)
    context = {
        "instructor": instructor,
        "form": form,
        "action_url": reverse("classroom:create"),
        "page_title": "Create a class",
        "breadcrumbs": [{"label": "Classes", "url": reverse("classroom:classes")}, {"label": "Create a class"}],
    }
    status = 422 if form.is_bound else 200
    return blades.respond(request, "classroom/class_create.html", "pane", context, status=status)


def _moved(posted: ClassForm, move: str) -> ClassForm:
    """The pane drawn again after a change to the run order (CLS-05):
    ``up:<lab>`` or ``down:<lab>`` swaps the lab with its neighbour (at an
    end, nothing moves), anything else (``refresh``: a lab checked or
    cleared) keeps the order. The fields keep what was typed, unchecked:
    no message before Create."""
    order = [lab_id for lab_id, _ in posted.run_order()]
    direction, _, lab_id = move.partition(":")
    if lab_id in order and direction in ("up", "down"):
        i = order.index(lab_id)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= j < len(order):
            order[i], order[j] = order[j], order[i]
    data = posted.data
    initial = {name: db_text(data.get(name, ""))[:10_000] for name in ("name", "era", "capacity")}
    initial.update(labs=order, lab_order=order, exam_mode=bool(data.get("exam_mode")))
    return ClassForm(initial=initial)


def join_url(request: HttpRequest, klass: Class) -> str:
    return request.build_absolute_uri(reverse("join:code", args=[klass.code]))


def qr_svg(text: str, label: str) -> str:
    """``text`` as a QR code: an inline SVG drawn on the server, one path of
    dark modules on a white square (no script, no image request)."""
    qr = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix)
    path = "".join(f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark)
    return format_html(
        '<svg class="cls-qr" id="class-qr" role="img" aria-label="{}" viewBox="0 0 {} {}" xmlns="http://www.w3.org/2000/svg"'
        ' shape-rendering="crispEdges"><rect width="{}" height="{}" fill="#fff"/><path d="{}" fill="#000"/></svg>',
        label,
        size,
        size,
        size,
        size,
        path,
    )


def class_overview(request: HttpRequest, pk: int) -> HttpResponse:
    """A class's Overview: its essentials, and the code, link and QR code to
    project (CLS-06). Another instructor's class is a 404 (CLS-08)."""
    instructor = instructor_of(request)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    klass = class_of(instructor, pk)
    link = join_url(request, klass)
    labs = [catalog.get(lab_id) for lab_id in klass.lab_ids]
    return render(
        request,
        "classroom/class_overview.html",
        {
            "instructor": instructor,
            "klass": klass,
            "menu_active": "overview",
            "era_label": Era(klass.era).label if klass.era in Era else klass.era,
            "labs": [(lab_id, lab.title if lab else lab_id) for lab_id, lab in zip(klass.lab_ids, labs, strict=True)],
            "learners": klass.seats.count(),
            "join_link": link,
            "join_start": request.build_absolute_uri(reverse("join:start")),
            "qr": qr_svg(link, f"QR code of the join link {link}"),
            "page_title": klass.name,
            "breadcrumbs": [{"label": "Classes", "url": reverse("classroom:classes")}, {"label": klass.name}],
        },
    )


# --- The learner's side: /join/ (CLS-07, CLS-09..CLS-12) ----------------------------------


def _too_many(request: HttpRequest, refusal: join.TooMany) -> HttpResponse:
    response = render(
        request, "classroom/join_refused.html", {"refusal": refusal, "page_title": "Too many tries"}, status=429
    )
    response["Retry-After"] = str(refusal.retry_after)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def join_start(request: HttpRequest) -> HttpResponse:
    """/join/: the code box. A right code goes on to the name; a wrong,
    closed or full one is a message on the box (CLS-10)."""
    form = JoinCodeForm(request.POST if request.method == "POST" else None)
    problem = ""
    if request.method == "POST" and form.is_valid():
        code = codes.normalise(form.cleaned_data["code"])
        now = join.now()
        refusal = join.too_many(request, code, now)
        if refusal is not None:
            return _too_many(request, refusal)
        try:
            klass = join.open_class(code)
        except join.Refused as no:
            join.count_try(request, code, now, missed=True)
            problem = str(no)
        else:
            join.count_try(request, code, now, missed=False)
            return redirect("join:code", code=klass.code)
    elif form.is_bound:
        problem = next(iter(form.errors.get("code", [])), "")
    return render(
        request,
        "classroom/join.html",
        {"form": form, "problem": problem, "seat": join.in_class(request), "page_title": "Join a class"},
        status=422 if problem else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def join_code(request: HttpRequest, code: str) -> HttpResponse:
    """/join/<code>/ (the link a QR code opens): the learner's name, then a
    seat (CLS-07). The page tells nothing of the code before it is
    submitted; joining again from this browser returns its seat (CLS-09)."""
    code = codes.normalise(code)[:40]
    form = DisplayNameForm(request.POST if request.method == "POST" else None)
    problem = ""
    if request.method == "POST":
        now = join.now()
        refusal = join.too_many(request, code, now)
        if refusal is not None:
            return _too_many(request, refusal)
        klass = Class.objects.filter(code=code).first() if codes.looks_valid(code) else None
        seat = join.seat_of(request, klass) if klass is not None else None
        if seat is not None:  # CLS-09: this browser's seat, whatever it typed now
            join.count_try(request, code, now, missed=False)
            join.enter(request, seat)
            return redirect("home")
        try:
            klass = join.open_class(code)
            if form.is_valid():
                full = lifecycle.full_refusal()  # SBX-05 holds for a class's sandboxes too
                if full is not None:
                    return sandbox_refused(request, full)
                seat = join.seat_learner(klass, form.cleaned_data["display_name"])
        except join.Refused as no:
            problem = str(no)
        join.count_try(request, code, now, missed=seat is None and bool(problem))
        if seat is not None:
            join.enter(request, seat)
            return redirect("home")
    return render(
        request,
        "classroom/join_name.html",
        {
            "form": form,
            "code": code,
            "problem": problem,
            "seat": join.in_class(request),
            "page_title": "Join a class",
        },
        status=422 if form.is_bound else 200,
    )


# "Leave class" from the portal's account menu posts this: back to Home.
LEAVE_TO_PORTAL = "portal"


@require_http_methods(["POST"])
def join_leave(request: HttpRequest) -> HttpResponse:
    """Leave class: back to the browser's sandbox from before (CLS-09). From
    the join page, back to it; from the portal's account menu, to Home,
    the whole page (the top bar and the live socket are the other sandbox's
    now)."""
    join.leave(request)
    if request.POST.get("to") != LEAVE_TO_PORTAL:
        return redirect("join:start")
    home = reverse("home")
    if request.htmx:
        response = HttpResponse(status=200)
        response["HX-Redirect"] = home
        return response
    return redirect(home)


@require_http_methods(["GET", "HEAD"])
def leave_pane(request: HttpRequest) -> HttpResponse:
    """The account menu's "Leave class": the portal's Yes/No pane first, as
    it asks before every change that can't be undone from where it is
    (CLS-09). Only a browser whose sandbox is a class's gets it; anyone else
    gets the portal's 404."""
    sandbox = getattr(request, "sandbox", None)
    seat = join.seat_of_sandbox(sandbox) if sandbox is not None else None
    if seat is None:
        raise Http404()
    return blades.confirm_pane(
        request,
        {"resource": {"name": seat.klass.name}, "page_title": "Leave class"},
        title="Leave class",
        question=(
            f"Leave '{seat.klass.name}' and go back to the sandbox this browser had before? "
            f"Your work stays with the class as {seat.display_name}; joining again with its code returns to it."
        ),
        action=reverse("join:leave"),
        dom_id="leave-class-form",
        yes_id="leave-class-yes",
        rule="CLS-09",
        fields={"to": LEAVE_TO_PORTAL},
        cancel_url=reverse("home"),
    )
