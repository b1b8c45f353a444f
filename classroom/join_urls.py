"""The learner's join pages at /join/ (portal/urls.py includes them at the
site's root, where a link read off a projector is short). They run with or
without the browser's sandbox and never make an anonymous one (SBX-01):
only a submitted join makes a sandbox, the class's (CLS-07)."""

from django.urls import path

from classroom import views
from portal.lifecycle import sandbox_optional

app_name = "join"

urlpatterns = [
    path("", sandbox_optional(views.join_start), name="start"),
    path("leave/", sandbox_optional(views.join_leave), name="leave"),
    path("leave/confirm/", sandbox_optional(views.leave_pane), name="leave_confirm"),
    path("<str:code>/", sandbox_optional(views.join_code), name="code"),
]
