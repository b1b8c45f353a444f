"""The App Service blades' small forms: what a request carries, parsed.
Azure's rules stay in ``appservice.services``; these fields refuse only
what the pages themselves ask for (a host to test, a port)."""

from dataclasses import dataclass

from django import forms

from appservice.models import WebApp
from networking.forms.fields import PkField, Text, parsed


class AddVnetForm(forms.Form):
    """The "Add VNet" pane (SEED-09 to SEED-13): a virtual network and, in
    its region, a new subnet (name and range) or an existing one."""

    vnet = PkField()
    subnet_mode = Text(20)
    subnet = PkField()
    subnet_name = Text(80)
    subnet_prefix = Text(60)
    address_block = Text(60)

    @classmethod
    def values(cls, data) -> dict:
        values = parsed(cls(data))
        # The pane opens on "Create New Subnet" (SEED-10).
        values["existing"] = values["subnet_mode"] == "existing"
        return values


class ClassicVnetForm(forms.Form):
    """ "Click here to connect to a Classic VNet" (SEED-12)."""

    vnet = PkField()


class RouteAllForm(forms.Form):
    """VNet Integration's "Route All" toggle (ASRT-05)."""

    enabled = Text(10)

    def enabled_value(self) -> bool:
        return parsed(self)["enabled"] == "true"


class ScaleUpForm(forms.Form):
    """The Spec Picker's Apply: the chosen pricing tier (the service checks it, ASVI-10)."""

    sku = Text(8, strip=True)
    tab = Text(20)

    def sku_value(self) -> str:
        return parsed(self)["sku"].upper()


class TroubleshootForm(forms.Form):
    """The Network troubleshooter's test: a host and a port (issue #4).
    Sent without a host, it is the empty page; with one, the test runs."""

    host = Text(253, strip=True)
    port = Text(5, strip=True)

    def __init__(self, data) -> None:
        self.requested = "host" in data
        super().__init__(data if self.requested else None, initial={"host": "", "port": "443"})
        self.shown = {"host": "", "port": "443"}
        if self.requested:
            self.is_valid()

    def clean(self) -> dict:
        data = super().clean()
        self.shown = {"host": data["host"], "port": data["port"] if "port" in self.data else "443"}
        if not data["host"]:
            self.add_error("host", "Enter a host name or an IPv4 address.")
        try:
            port = int(self.shown["port"])
        except ValueError:
            port = 0
        if not 0 < port <= 65535:
            self.add_error("port", "Enter a port from 1 to 65535.")
        else:
            data["port"] = port
        return data

    def problems(self) -> dict[str, str]:
        return {field: messages[0] for field, messages in self.errors.items()} if self.requested else {}


class ConsoleForm(forms.Form):
    """The console's command line (ASGW-20)."""

    command = Text(300, strip=True)

    def command_value(self) -> str:
        return parsed(self)["command"]


# --- Configuration > Application settings: the draft grid (APPSET-04) ---------------------


@dataclass
class SettingsDraft:
    """The application settings grid as the learner's browser holds it.

    The grid travels with every request as hidden inputs; nothing of it is
    stored until Save, which checks ``base_version`` (APPSET-04).
    """

    base_version: int
    rows: list[tuple[str, str, bool]]
    show_values: bool = False
    filter: str = ""


def saved_draft(app: WebApp, saved, *, show_values=False, filter_text="") -> SettingsDraft:
    rows = [(s.name, s.value, s.slot_setting) for s in saved]
    return SettingsDraft(app.settings_version, rows, show_values, filter_text)


class SettingsDraftForm(forms.Form):
    """The grid's hidden inputs (one ``setting_name``/``setting_value``/
    ``setting_slot`` per row), its version, Show values and the filter."""

    show_values = Text(10)
    filter = Text(256, strip=True)
    base_version = PkField()

    def __init__(self, data) -> None:
        super().__init__(data)
        self.is_valid()

    def confirmed(self) -> bool:
        """Save's second step: the "Save changes" pane answered Yes."""
        return self.data.get("confirmed") == "1"

    def draft(self, app: WebApp) -> SettingsDraft:
        """The draft a request carries; without one (a plain link), the saved settings."""
        data = self.cleaned_data
        show = data["show_values"] == "1"
        if "toggle_values" in self.data:
            show = not show
        if "base_version" not in self.data:
            return saved_draft(app, app.settings.all(), show_values=show, filter_text=data["filter"])
        names = self.data.getlist("setting_name")
        values = self.data.getlist("setting_value")
        slots = self.data.getlist("setting_slot")
        rows = [
            (name, values[i] if i < len(values) else "", i < len(slots) and slots[i] == "1")
            for i, name in enumerate(names)
        ]
        # A missing or mangled version never matches, so such a save is refused (APPSET-04).
        return SettingsDraft(data["base_version"] or 0, rows, show, data["filter"])


class SettingPaneForm(forms.Form):
    """The "Add/Edit application setting" pane's OK (the service checks the
    name and value, APPSET-*), a row's Delete, and which row to edit."""

    name = Text(100_000)
    value = Text(100_000)
    slot_setting = forms.BooleanField(required=False)
    original = Text(100_000)
    delete = Text(100_000, strip=True)
    edit = Text(100_000, strip=True)
