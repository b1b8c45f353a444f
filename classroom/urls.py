from django.urls import path

from classroom import board_views, room_views, views, watch
from portal.lifecycle import sandbox_optional

app_name = "classroom"

# An instructor needs no sandbox, and a classroom URL never makes one: a
# visitor probing them leaves no sandbox behind (SBX-01; docs/classroom.md).
urlpatterns = [
    path("", sandbox_optional(views.classes), name="classes"),
    path("signin/", sandbox_optional(views.SignInView.as_view()), name="sign_in"),
    path("signout/", sandbox_optional(views.SignOutView.as_view()), name="sign_out"),
    # Classes (CLS-05, CLS-06, CLS-08).
    path("create/", sandbox_optional(views.create), name="create"),
    path("<int:pk>/", sandbox_optional(views.class_overview), name="class_overview"),
    # Looking over a learner's shoulder (classroom/watch.py, CLS-35..CLS-40).
    path("<int:pk>/learners/<int:seat_pk>/watch/", sandbox_optional(watch.watch), name="watch"),
    path("watch/stop/", sandbox_optional(watch.stop), name="stop_watching"),
    # The live board (CLS-14..CLS-20; docs/classroom.md, "The live board").
    path("<int:pk>/board/", sandbox_optional(board_views.board_page), name="board"),
    # Acting on the room (issue #13 item 4; classroom/room_views.py, CLS-21..28).
    path("<int:pk>/room/", sandbox_optional(room_views.room_page), name="room"),
    path("<int:pk>/next-lab/", sandbox_optional(room_views.next_lab), name="next_lab"),
    path("<int:pk>/scenario/", sandbox_optional(room_views.scenario), name="scenario"),
    path("<int:pk>/reset/", sandbox_optional(room_views.reset), name="reset"),
    path("<int:pk>/announce/", sandbox_optional(room_views.announce), name="announce"),
    path("<int:pk>/close/", sandbox_optional(room_views.close), name="close"),
    path("<int:pk>/job/", sandbox_optional(room_views.job), name="room_job"),
    path("<int:pk>/export.csv", sandbox_optional(room_views.export_csv), name="export_csv"),
    path("<int:pk>/summary/", sandbox_optional(room_views.summary), name="summary"),
]
