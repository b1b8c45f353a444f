"""The "Create a resource" wizards (portal-ui §1.4).

Each wizard is one Django form holding every tab's fields, so its state
travels in the page from tab to tab. Field *shape* is checked by the form;
Azure's rules are checked by the services' validators (with their rule IDs).
"Review + create" runs those checks as pure validation over the current
state and writes nothing; only Create writes, and a refusal the create still
meets (a name taken meanwhile) lands on the form the same way.

The wizards live with the apps that own their resource types and are
registered with the registry; the resource group's stays here.
"""

from dataclasses import dataclass
from itertools import zip_longest
from typing import ClassVar

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML
from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal import services as portal_services
from portal import tags as portal_tags
from portal.eras import Era
from portal.errors import AzureRuleError, rule_error
from portal.inputs import db_text
from portal.layout import AzField, Picker, helper, wizard_name, wizard_region
from portal.models import PRESENTER_ZOOMS, REGION_CHOICES, REGIONS, ResourceGroup, Sandbox
from portal.naming import validate_name
from portal.resource_forms import MAX_TAG_ROWS, TagsForm

REVIEW = "review"
MAX_ROWS = 25  # rows of an editable grid; more are dropped, never an error page
TAGS = ("tags", "Tags")
# The Tags tab's grid, posted as lists (docs/architecture.md "Forms"): its
# fields' problems are ``tag_name_<row>`` / ``tag_value_<row>``, the whole
# grid's (TAG-04) ``tags``.
TAG_FIELD_TABS = {"tag_name": TAGS[0], "tag_value": TAGS[0], "tags": TAGS[0]}


def with_tags_tab(tabs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """``tabs`` with "Tags" just before "Review + create" (portal-ui §1.4:
    every create wizard's tabs end with these two), unless it has one."""
    slugs = [slug for slug, _ in tabs]
    if TAGS[0] in slugs or REVIEW not in slugs:
        return tuple(tabs)
    at = slugs.index(REVIEW)
    return (*tabs[:at], TAGS, *tabs[at:])


@dataclass(frozen=True)
class Problem:
    """What a field shows under it: the message and the small 'Learn more'."""

    message: str
    learn_more: str = ""

    @classmethod
    def of(cls, exc: AzureRuleError) -> "Problem":
        return cls(exc.message, exc.learn_more if exc.rule_ids or exc.err_id else "")


class _Values:
    def __init__(self, wizard):
        self.wizard = wizard

    def __getitem__(self, name: str) -> str:
        return self.wizard.value(name)


class WizardButtonsForm(forms.Form):
    """A create wizard's own buttons, not domain input: which was pressed
    (``action``: Next, Review, Create, "Create new"...) and the tab a tab
    button names (``goto``). Anything malformed is no button."""

    action = forms.CharField(required=False, max_length=40)
    goto = forms.CharField(required=False, max_length=40)

    def pressed(self) -> tuple[str, str]:
        self.is_valid()
        return self.cleaned_data.get("action", ""), self.cleaned_data.get("goto", "")


class PickedText(forms.CharField):
    """Text picked in a drop-down (a ``Picker``): capped like typed text,
    but the ``<select>`` carries no ``maxlength``."""

    def widget_attrs(self, widget: forms.Widget) -> dict:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


class CreateWizard(forms.Form):
    """Basics every wizard shares, and the tab/validation state machine.

    Subclasses set ``kind`` (the URL slug), ``title``, ``tabs`` and the tab of
    each field outside Basics, and implement ``check_rules`` and ``create``.
    The frame adds the Tags tab before Review + create (``has_tags``): its
    tags are checked by portal.tags' rules (TAG-01..05) and written onto the
    resource ``create`` returns.
    """

    kind: ClassVar[str]
    title: ClassVar[str]
    product: ClassVar[str]  # the deployment's template name
    tabs: ClassVar[tuple[tuple[str, str], ...]]
    field_tabs: ClassVar[dict[str, str]] = {}
    has_resource_group: ClassVar[bool] = True
    has_tags: ClassVar[bool] = True
    name_kind: ClassVar[str]
    region_choices = REGION_CHOICES

    # The sandbox's one subscription (set by __init__); anything else is "Select a subscription.".
    subscription = PickedText(required=False, max_length=64, widget=Picker)
    name = forms.CharField(required=False, max_length=200)
    region = forms.ChoiceField(choices=REGION_CHOICES, initial="eastus", label="Region")

    def __init__(self, sandbox: Sandbox, data=None):
        if self.has_tags:
            self.tabs = with_tags_tab(self.tabs)
        self.sandbox = sandbox
        self.subscription_obj = sandbox.subscriptions.get()
        self.groups = list(ResourceGroup.objects.filter(subscription=self.subscription_obj))
        super().__init__(data=data, initial={"subscription": str(self.subscription_obj.subscription_id)})
        self.fields["subscription"].widget.choices = [
            (str(self.subscription_obj.subscription_id), self.subscription_obj.display_name)
        ]
        if self.has_resource_group:
            self.fields["resource_group"] = PickedText(required=False, max_length=200, widget=Picker)
            self.fields["new_resource_group"] = forms.CharField(required=False, max_length=200)
            self.fields["new_rg_name"] = forms.CharField(required=False, max_length=200)
            # Azure lists a managed group (an AKS node resource group) but
            # never preselects it: the first of the learner's own, or none.
            own = [g for g in self.groups if not g.managed_by]
            self.initial["resource_group"] = own[0].name if own else ""
            self._fill_group_picker()
        self.tab = self._posted_tab()
        self.reviewed = bool(data and data.get("reviewed"))
        self.problems: dict[str, Problem] = {}
        self.validation = ""  # "", "passed" or "failed"
        self.new_rg_open = False
        self.target_rg: ResourceGroup | None = None
        self.new_rg = ""
        self.tag_rows = self._posted_tag_rows() if self.is_bound and self.has_tags else []
        self.tags: dict[str, str] = {}

    # --- values, whether bound or not --------------------------------------

    @property
    def v(self) -> "_Values":
        """Current field texts for templates: ``wizard.v.name``."""
        return _Values(self)

    def value(self, name: str) -> str:
        """The field's current text: posted, else initial."""
        if self.is_bound:
            # What a query may be handed (a NUL held as U+FFFD); the field
            # itself still refuses the posted text (issue #12, portal/inputs.py).
            return db_text(self.data.get(name, ""))
        value = self.initial.get(name, self.fields[name].initial if name in self.fields else "")
        return "" if value is None else str(value)

    def clean_value(self, name: str) -> str:
        return (self.cleaned_data.get(name) or "") if hasattr(self, "cleaned_data") else self.value(name).strip()

    def _posted_list(self, name: str) -> list[str]:
        getlist = getattr(self.data, "getlist", None)
        raw = getlist(name) if getlist else self.data.get(name, [])
        return [db_text(text) for text in ([raw] if isinstance(raw, str) else raw)]

    def _posted_tag_rows(self) -> list[tuple[str, str]]:
        """The Tags grid's rows as typed, its empty ones left out; rows past
        one more than Azure allows are never read (TAG-04 refuses the 51st)."""
        rows = zip_longest(self._posted_list("tag_name"), self._posted_list("tag_value"), fillvalue="")
        return [(name, value) for name, value in rows if name.strip() or value.strip()][:MAX_TAG_ROWS]

    def _posted_tab(self) -> str:
        slugs = [slug for slug, _ in self.tabs]
        tab = self.data.get("current_tab", "") if self.is_bound else ""
        return tab if tab in slugs else slugs[0]

    # --- the state machine -------------------------------------------------

    def step(self, action: str, goto: str = ""):
        """Apply one button press. Returns the created resource, or None."""
        slugs = [slug for slug, _ in self.tabs]
        index = slugs.index(self.tab)
        if goto in slugs:
            self.tab = goto
        elif action == "next":
            self.tab = slugs[min(index + 1, len(slugs) - 1)]
        elif action == "prev":
            self.tab = slugs[max(index - 1, 0)]
        elif action in ("review", "create"):
            self.tab = REVIEW
        else:
            self.edit(action)
        if action == "create":
            return self._create()
        if self.tab == REVIEW:
            self.review()
        elif self.reviewed:
            self.problems = self.check()
        return None

    def edit(self, action: str) -> None:
        """Buttons that change the form in place ("Create new" OK, "+ Add subnet"...)."""
        if action == "new_rg" and self.has_resource_group:
            self._accept_new_resource_group()
        elif action == "cancel_new_rg":
            self.new_rg_open = False
        elif action.startswith("remove_tag:"):
            self.tag_rows = [row for i, row in enumerate(self.tag_rows) if f"remove_tag:{i}" != action]

    def review(self) -> bool:
        """'Review + create': every check the create makes, as pure
        validation over the current state (``check_rules``); writes nothing."""
        self.reviewed = True
        self.problems = self.check()
        self.validation = "failed" if self.problems else "passed"
        return not self.problems

    def _create(self):
        self.reviewed = True
        self.problems = self.check()
        if not self.problems:
            try:
                return self.deploy()
            except AzureRuleError as exc:
                self.problems = {exc.field or "__all__": Problem.of(exc)}
            except IntegrityError:
                self.problems = {"name": Problem("The name is already taken. Choose another name.")}
        self.validation = "failed"
        return None

    def deploy(self):
        """Create the resource group when it is "(new)", then the resource, in one transaction."""
        with transaction.atomic():
            rg = self.target_rg
            if self.has_resource_group and rg is None:
                rg = portal_services.create_resource_group(
                    self.sandbox, name=self.new_rg, location=self.cleaned_data["region"]
                )
            resource = self.create(rg)
            if self.tags:
                # A create that makes several resources tags the main one, the one it returns.
                portal_tags.set_tags(resource, self.tags, logged=False)
            return resource

    # --- checks ------------------------------------------------------------

    def check(self) -> dict[str, Problem]:
        problems: dict[str, Problem] = {}
        if not self.is_valid():
            for field, messages in self.errors.items():
                problems[field] = Problem(str(messages[0]))
        if self.value("subscription") != str(self.subscription_obj.subscription_id):
            problems["subscription"] = Problem("Select a subscription.")
        if self.has_resource_group and "resource_group" not in problems:
            self._check_resource_group(problems)

        def attempt(key: str, check, /, *args, **kwargs):
            """Run one validator; its refusal lands on its field (or ``key``)."""
            if key in problems:
                return None
            try:
                return check(*args, **kwargs)
            except AzureRuleError as exc:
                problems[exc.field or key] = Problem.of(exc)
                return None

        self.check_rules(problems, attempt)
        if self.has_tags:
            self._check_tags(problems)
        return problems

    def _check_tags(self, problems: dict[str, Problem]) -> None:
        """The Tags tab: each box's shape as the Tags blade's form takes it,
        then the Tags blade's rules (TAG-01..05); a refusal lands on its row."""
        self.tags = {}
        cell = TagsForm.base_cell()
        shapeless = False
        for row, (name, value) in enumerate(self.tag_rows):
            for field, text in ((f"tag_name_{row}", name), (f"tag_value_{row}", value)):
                try:
                    cell.clean(text)
                except ValidationError as exc:
                    problems[field] = Problem(exc.messages[0])
                    shapeless = True
        if shapeless:
            return
        try:
            self.tags = portal_tags.clean_tags(self.tag_rows)
        except AzureRuleError as exc:
            problems[f"tag_{exc.field}" if exc.field else "tags"] = Problem.of(exc)

    def _check_resource_group(self, problems: dict[str, Problem]) -> None:
        chosen = self.clean_value("resource_group").strip()
        new = self.clean_value("new_resource_group").strip()
        self.target_rg, self.new_rg = None, ""
        if new and chosen.lower() == new.lower():
            try:
                self.new_rg = self._check_new_group_name(new, "resource_group")
            except AzureRuleError as exc:
                problems["resource_group"] = Problem.of(exc)
            return
        self.target_rg = next((g for g in self.groups if g.name.lower() == chosen.lower()), None) if chosen else None
        if self.target_rg is None:
            # A group of another sandbox is simply not among the choices (DESIGN: Tenancy).
            problems["resource_group"] = Problem("Select a resource group, or create a new one.")

    def _check_new_group_name(self, name: str, field: str) -> str:
        name = validate_name("resource_group", name, field=field)
        if any(g.name.lower() == name.lower() for g in self.groups):
            raise rule_error(f"A resource group named '{name}' already exists.", "NAMING-01", field=field)
        return name

    def _accept_new_resource_group(self) -> None:
        try:
            name = self._check_new_group_name(self.value("new_rg_name"), "new_rg_name")
        except AzureRuleError as exc:
            self.problems["new_rg_name"] = Problem.of(exc)
            self.new_rg_open = True
            return
        data = self.data.copy()
        data["new_resource_group"] = name
        data["resource_group"] = name
        data["new_rg_name"] = ""
        self.data = data
        self._fill_group_picker()

    def _fill_group_picker(self) -> None:
        """The resource group list: the sandbox's groups, and the "(new)" one
        "Create new" added. Azure's names ignore case, so a posted
        "CONTOSO-RG" is taken as the listed "contoso-rg" (and picks it)."""
        choices = self.group_choices
        posted = self.value("resource_group")
        listed = next((value for value, _ in choices if value.lower() == posted.lower()), posted)
        if self.is_bound and listed != posted:
            data = self.data.copy()
            data["resource_group"] = listed
            self.data = data
        self.fields["resource_group"].widget.choices = [("", "Select a resource group"), *choices]

    def check_rules(self, problems, attempt) -> None:
        """Every refusal ``create`` would meet, found without writing: the
        services' validators through ``attempt`` (each lands on its field)."""
        raise NotImplementedError

    def create(self, rg):
        raise NotImplementedError

    # --- what the template shows -----------------------------------------

    def _tab_of(self, field: str) -> str:
        root = self._field_root(field)
        return self.field_tabs.get(root) or TAG_FIELD_TABS.get(root, "basics")

    @property
    def tab_list(self) -> list[dict]:
        with_errors = {self._tab_of(f) for f in self.problems}
        next_label = ""
        slugs = [slug for slug, _ in self.tabs]
        index = slugs.index(self.tab)
        if index + 1 < len(self.tabs):
            next_label = self.tabs[index + 1][1]
        return [
            {
                "slug": slug,
                "label": label,
                "active": slug == self.tab,
                "has_error": slug in with_errors and slug != REVIEW,
                "is_next": label == next_label,
            }
            for slug, label in self.tabs
        ]

    @property
    def next_tab_label(self) -> str:
        return next((t["label"] for t in self.tab_list if t["is_next"]), "")

    @property
    def form_problem(self) -> Problem | None:
        return self.problems.get("__all__")

    @property
    def problem_list(self) -> list[tuple[str, Problem]]:
        """Every problem with the tab it is on, for the failed-validation banner."""
        labels = dict(self.tabs)
        return [
            (labels.get(self._tab_of(f), ""), p)
            for f, p in self.problems.items()
            if f != "__all__"
        ]

    @property
    def is_first_tab(self) -> bool:
        return self.tab == self.tabs[0][0]

    @staticmethod
    def _field_root(field: str) -> str:
        head, _, tail = field.rpartition("_")
        return head if tail.isdigit() else field

    @property
    def project_helper(self) -> FormHelper:
        """Basics > Project details: the subscription and, nested under it,
        the resource group with its "Create new" callout (new_group_helper)."""
        fields = [AzField("subscription", id="subscription", star=True)]
        if self.has_resource_group:
            fields.append(
                AzField(
                    "resource_group",
                    id="resource-group",
                    star=True,
                    wrapper_class="az-form-row-nested",
                    after_template="portal/create_parts.html#new-resource-group",
                )
            )
        return helper(*fields, rows=True)

    @property
    def new_group_helper(self) -> FormHelper:
        """The Name box of the resource group's "Create new" callout."""
        return helper(
            AzField(
                "new_rg_name", id="new-rg-name", star=True, label="Name", css_class="az-input", wrapper_class="mb-0"
            )
        )

    @property
    def group_choices(self) -> list[tuple[str, str]]:
        choices = [(g.name, g.name) for g in self.groups]
        new = self.value("new_resource_group").strip()
        if new and not any(g.name.lower() == new.lower() for g in self.groups):
            choices.insert(0, (new, f"(new) {new}"))
        return choices

    @property
    def region_label(self) -> str:
        return REGIONS.get(self.value("region"), "")

    def summary(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The Review + create tab's sections: (heading, [(label, value)])."""
        basics = [("Subscription", self.subscription_obj.display_name)]
        if self.has_resource_group:
            group = self.value("resource_group")
            is_new = group and group.lower() == self.value("new_resource_group").lower()
            basics.append(("Resource group", f"(new) {group}" if is_new else group))
        basics += self.instance_summary()
        return [("Basics", basics), *self.extra_summary(), *self.tags_summary()]

    def tags_summary(self) -> list:
        """Review + create's "Tags" section: the rows typed, when there are any."""
        rows = [(name.strip(), value.strip()) for name, value in self.tag_rows if name.strip()]
        return [(TAGS[1], rows)] if rows else []

    @property
    def tag_grid(self) -> list[dict]:
        """The Tags tab's rows, then an empty one to type a new tag in."""
        rows = [*self.tag_rows, ("", "")] if len(self.tag_rows) < MAX_TAG_ROWS else self.tag_rows
        return [
            {
                "index": row,
                "name": name,
                "value": value,
                "is_new": row == len(self.tag_rows),
                "name_problem": self.problems.get(f"tag_name_{row}"),
                "value_problem": self.problems.get(f"tag_value_{row}"),
            }
            for row, (name, value) in enumerate(rows)
        ]

    def instance_summary(self) -> list[tuple[str, str]]:
        return [("Name", self.value("name")), ("Region", self.region_label)]

    def extra_summary(self) -> list:
        return []


class ResourceGroupWizard(CreateWizard):
    kind = "resourcegroup"
    title = "Create a resource group"
    product = "Microsoft.ResourceGroup"
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    has_resource_group = False
    # Azure's has a Tags tab too; the lab's resource groups carry no tags
    # (docs/fidelity.md "Tags tab in every create wizard").
    has_tags = False
    name_kind = "resource_group"

    @property
    def helper(self):
        return helper(
            wizard_name(label="Resource group", wrapper_class="az-form-row-nested"),
            HTML('<h2 class="az-wizard-section">Resource details</h2>'),
            wizard_region(),
            rows=True,
        )

    def check_rules(self, problems, attempt) -> None:
        name = attempt("name", validate_name, "resource_group", self.value("name"))
        if name and any(g.name.lower() == name.lower() for g in self.groups):
            problems["name"] = Problem.of(
                rule_error(
                    f"A resource group named '{name}' already exists in '{self.subscription_obj.display_name}'.",
                    "NAMING-01",
                )
            )

    def create(self, rg):
        return portal_services.create_resource_group(
            self.sandbox, name=self.cleaned_data["name"], location=self.cleaned_data["region"]
        )

    def instance_summary(self):
        return [("Resource group", self.value("name")), ("Region", self.region_label)]


# --- the shell's own query strings and small posts --------------------------------


def _stripped(value: str, limit: int) -> str:
    """Search text: trimmed and cut to what the portal's boxes take, as a
    database can hold it (portal.inputs.db_text)."""
    return db_text(value).strip()[:limit]


class ResourceListForm(forms.Form):
    """All resources' filters: the search box and the type filter (the page
    is portal.paging's). Anything malformed falls back to the unfiltered
    list, as the portal ignores a bad query string."""

    q = forms.CharField(required=False)
    type = forms.CharField(required=False)

    def values(self) -> tuple[str, str]:
        data = self.cleaned_data if self.is_valid() else {}
        return _stripped(data.get("q") or "", 90), _stripped(data.get("type") or "", 120)


class MarketplaceForm(forms.Form):
    """Create a resource: the search box, the category, or a wizard to open."""

    q = forms.CharField(required=False)
    category = forms.CharField(required=False)
    kind = forms.CharField(required=False)

    def values(self, categories: dict[str, str]) -> tuple[str, str, str]:
        data = self.cleaned_data if self.is_valid() else {}
        category = data.get("category") or "popular"
        return (
            _stripped(data.get("q") or "", 90),
            category if category in categories else "popular",
            _stripped(data.get("kind") or "", 40),
        )


_ERA_ERROR = "Choose Classic (2021) or Current (2026)."


class EraForm(forms.Form):
    """Portal settings: the era the sandbox follows."""

    era = forms.ChoiceField(
        choices=[(e.value, e.label) for e in Era],
        error_messages={"required": _ERA_ERROR, "invalid_choice": _ERA_ERROR},
    )


_ANNOTATIONS_ERROR = "Choose On or Off."


class AnnotationsForm(forms.Form):
    """Portal settings: "Show lab annotations" (the switch posts "on"; a
    hidden field before it posts "off" when it is cleared)."""

    annotations = forms.ChoiceField(
        choices=[("on", "On"), ("off", "Off")],
        error_messages={"required": _ANNOTATIONS_ERROR, "invalid_choice": _ANNOTATIONS_ERROR},
    )


_PRESENTER_ERROR = "Choose On or Off."
_ZOOM_ERROR = "Choose 125%, 150% or 175%."


class PresenterForm(forms.Form):
    """Portal settings, "Presenter mode" (CLS-29): the switch (a hidden
    field before it posts "off" when it is cleared) and the zoom, one of
    PRESENTER_ZOOMS."""

    presenter = forms.ChoiceField(
        choices=[("on", "On"), ("off", "Off")],
        error_messages={"required": _PRESENTER_ERROR, "invalid_choice": _PRESENTER_ERROR},
    )
    zoom = forms.TypedChoiceField(
        choices=[(str(zoom), f"{zoom}%") for zoom in PRESENTER_ZOOMS],
        coerce=int,
        # Django formats an invalid choice's message with the value: "%%" is a "%".
        error_messages={"required": _ZOOM_ERROR, "invalid_choice": _ZOOM_ERROR.replace("%", "%%")},
    )
