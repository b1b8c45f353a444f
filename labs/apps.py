from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse


class LabsConfig(AppConfig):
    """Guided labs, troubleshooting scenarios and exam mode, graded on the
    learner's estate (issue #11). Above every other app: it reads their
    resources through the registry and the engines, and none imports it."""

    name = "labs"
    verbose_name = "Labs"

    def ready(self) -> None:
        # The catalog is checked at startup: a malformed lab stops the server
        # with the file, the line and what is wrong.
        from labs import catalog
        from labs.schema import LabError

        try:
            catalog.load()
        except LabError as error:
            raise ImproperlyConfigured(f"A lab file is malformed: {error}") from None

        from labs import live
        from portal import changes
        from portal.registry import registry
        from portal.signals import sandbox_changed

        # A lab's runs and exams are not the estate its checks read.
        changes.not_estate("labs_")

        sandbox_changed.connect(live.on_sandbox_changed, dispatch_uid="labs-regrade")
        registry.add_page("labs", lambda subscription: reverse("labs:hub"))
        registry.add_live_element("lab-panel", live.panel_now)
