from django.apps import AppConfig


class ClassroomConfig(AppConfig):
    """The instructor's side of a class (issue #13): instructor accounts
    today; classes, join codes and the live board build on them. The top
    layer: it may read every app below it (labs included), and none imports
    it."""

    name = "classroom"
    verbose_name = "Classroom"

    def ready(self) -> None:
        from django.urls import path

        from classroom import join, live, watch
        from classroom.consumers import BoardConsumer
        from labs.live import graded
        from portal import account_menu, changes, lifecycle, routing, viewing
        from portal.signals import sandbox_changed

        # The portal asks this on every request of a browser that views a
        # learner's portal (portal/viewing.py, CLS-37).
        viewing.register(watch.viewed)
        # Instructors, the board's log, the room's jobs and join tries are
        # nobody's sandbox state: writing them empties no sandbox's kept pages.
        changes.not_state("classroom_instructor", "classroom_classevent", "classroom_roomjob", "classroom_joinattempt")
        # A class and its seats: in a learner's pages (the account menu), not in the estate.
        changes.not_estate("classroom_")
        # CLS-09: a learner's account menu names their class and offers "Leave class".
        account_menu.register(join.account_entry)
        # CLS-12: the prune keeps a class's sandboxes (portal imports nothing above it).
        lifecycle.keep_sandboxes(join.kept_sandboxes)
        # The live board (CLS-20): its socket, and the rows it is sent.
        routing.add(path("ws/classroom/<int:pk>/board/", BoardConsumer.as_asgi()))
        graded.connect(live.on_graded, dispatch_uid="classroom-board-graded")
        sandbox_changed.connect(live.on_sandbox_changed, dispatch_uid="classroom-board-changed")
