from django.apps import AppConfig


class ClassroomConfig(AppConfig):
    """The instructor's side of a class (issue #13): instructor accounts
    today; classes, join codes and the live board build on them. The top
    layer: it may read every app below it (labs included), and none imports
    it."""

    name = "classroom"
    verbose_name = "Classroom"

    def ready(self) -> None:
        # CLS-12: the prune keeps a class's sandboxes (portal imports nothing above it).
        from classroom import join
        from portal import lifecycle

        lifecycle.keep_sandboxes(join.kept_sandboxes)
