from django.urls import path

from labs import exam_views, views

app_name = "labs"

urlpatterns = [
    path("", views.hub, name="hub"),
    # Exam practice (labs/exam_views.py), before "<lab_id>/": "exam" is a slug.
    path("exam/", exam_views.setup, name="exam_setup"),
    path("exam/<pk:pk>/", exam_views.detail, name="exam"),
    path("exam/<pk:pk>/next/", exam_views.next_task, name="exam_next"),
    path("exam/<pk:pk>/finish/", exam_views.finish, name="exam_finish"),
    path("exam/<pk:pk>/result/", exam_views.result, name="exam_result"),
    path("<slug:lab_id>/", views.detail, name="detail"),
    path("<slug:lab_id>/start/", views.start, name="start"),
    path("run/<pk:run>/panel/", views.panel, name="panel"),
    path("run/<pk:run>/check/", views.check, name="check"),
    path("run/<pk:run>/hint/", views.hint, name="hint"),
    path("run/<pk:run>/finish/", views.finish, name="finish"),
    path("run/<pk:run>/result/", views.result, name="result"),
]
