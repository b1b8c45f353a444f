"""The instructor's pages: sign in, sign out, Classes.

Every page but sign-in is the portal's 404 to anyone who is not signed in
as an instructor (issue #13: a learner never sees the board), whatever the
method. Signing in or out keeps the browser's sandbox: the account and the
sandbox are separate things that share the session cookie
(docs/classroom.md)."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.views import LoginView, LogoutView
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render

from classroom.forms import SignInForm
from classroom.models import Instructor
from portal.middleware import SESSION_KEY


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

    def form_valid(self, form) -> HttpResponse:
        return _keeping_sandbox(self.request, lambda: super(SignInView, self).form_valid(form))


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
    """The instructor's landing page: their classes (none yet: classes are
    the next step of issue #13)."""
    instructor = instructor_of(request)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return render(
        request,
        "classroom/classes.html",
        {"instructor": instructor, "page_title": "Classes", "breadcrumbs": [{"label": "Classes"}]},
    )
