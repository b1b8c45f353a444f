from django.urls import path

from classroom import board_views, views
from portal.lifecycle import sandbox_optional

app_name = "classroom"

# An instructor needs no sandbox, and a classroom URL never makes one: a
# visitor probing them leaves no sandbox behind (SBX-01; docs/classroom.md).
urlpatterns = [
    path("", sandbox_optional(views.classes), name="classes"),
    path("signin/", sandbox_optional(views.SignInView.as_view()), name="sign_in"),
    path("signout/", sandbox_optional(views.SignOutView.as_view()), name="sign_out"),
    # The live board (CLS-14..CLS-20; docs/classroom.md, "The live board").
    path("<int:pk>/board/", sandbox_optional(board_views.board_page), name="board"),
]
