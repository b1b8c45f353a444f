from django.apps import AppConfig


class ClassroomConfig(AppConfig):
    """The instructor's side of a class (issue #13): instructor accounts
    today; classes, join codes and the live board build on them. The top
    layer: it may read every app below it (labs included), and none imports
    it."""

    name = "classroom"
    verbose_name = "Classroom"

    def ready(self) -> None:
        # The portal asks this on every request of a browser that views a
        # learner's portal (portal/viewing.py, CLS-37).
        from classroom import join, watch
        from portal import changes, lifecycle, viewing

        viewing.register(watch.viewed)
        # Instructors, the board's log and join tries are nobody's sandbox
        # state: writing them empties no sandbox's kept pages.
        changes.not_state("classroom_instructor", "classroom_classevent", "classroom_joinattempt")
        # CLS-12: the prune keeps a class's sandboxes (portal imports nothing above it).
        lifecycle.keep_sandboxes(join.kept_sandboxes)
