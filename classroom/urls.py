from django.urls import path

from classroom import views, watch
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
]
