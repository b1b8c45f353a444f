from django.urls import path

from labs import views

app_name = "labs"

urlpatterns = [
    path("", views.hub, name="hub"),
    path("<slug:lab_id>/", views.detail, name="detail"),
    path("<slug:lab_id>/start/", views.start, name="start"),
    path("run/<int:run>/panel/", views.panel, name="panel"),
    path("run/<int:run>/check/", views.check, name="check"),
    path("run/<int:run>/hint/", views.hint, name="hint"),
    path("run/<int:run>/finish/", views.finish, name="finish"),
    path("run/<int:run>/result/", views.result, name="result"),
]
