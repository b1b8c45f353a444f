"""Layout objects for django-crispy-forms in the portal's own look.

A form describes how its fields look in a ``helper`` (a crispy ``FormHelper``
built with :func:`helper`); the "azure" template pack (``templates/azure/``)
draws them the way the portal does: the label with its red required star and
an info balloon, the control, the field's error in Azure's style (red icon,
message, the rule's "Learn more") and the grey help text, either stacked (a
context pane) or as a two-column label/control row (a create wizard).

The forms here check shape only and leave "required" to Azure's rules, so
the star is a layout choice (``star=True``), not ``field.required``.
"""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from crispy_forms.utils import TEMPLATE_PACK, render_field
from django import forms
from django.forms.utils import flatatt
from django.forms.widgets import Input
from django.template import Template
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.text import slugify

__all__ = ["RERENDER_PANE", "RERENDER_WIZARD", "AzField", "Picker", "helper", "problem_for", "wizard_name", "wizard_region"]

# A control whose change re-renders its context pane with the form's values
# (a Source, a Service, a Next hop type shows or fixes other fields).
RERENDER_PANE = {
    "hx-get": "{{ action_url }}",
    "hx-trigger": "change",
    "hx-target": "#context-pane",
    "hx-swap": "innerHTML",
    "hx-include": "closest form",
}

# A create wizard's control whose change redraws the wizard with the posted
# values (a region, a virtual network whose subnets the next list shows).
RERENDER_WIZARD = {
    "hx-post": "{{ request.path }}",
    "hx-trigger": "change",
    "hx-target": "#create-wizard",
    "hx-swap": "outerHTML",
    "hx-vals": '{"action": "stay"}',
}


def helper(*fields: Any, rows: bool = False) -> FormHelper:
    """A helper that draws only the fields: the page around them (the
    ``<form>``, the CSRF token, banners, buttons) stays in the template.
    ``rows`` draws every field as a create wizard's label/control row."""
    if rows:
        for field in fields:
            if isinstance(field, AzField):
                field.options["row"] = True
    form_helper = FormHelper()
    form_helper.form_tag = False
    form_helper.disable_csrf = True
    form_helper.layout = Layout(*fields)
    return form_helper


def problem_for(form: forms.BaseForm, context: Any, key: str) -> Any:
    """What shows under a field: the view's ``problems`` (a wizard keeps
    them on itself, a pane gets them in its context, both keyed by field
    name, with the rule's "Learn more"); a form without such a list shows
    its own first error on the field. A problem is anything with a
    ``message`` (and maybe ``learn_more``: portal.forms.Problem, an
    AzureRuleError) or a plain message."""
    problems = getattr(form, "problems", None)
    if not isinstance(problems, dict):
        problems = context.get("problems")
    if isinstance(problems, dict):
        return problems.get(key)
    if form.is_bound and form.errors.get(key):
        return str(form.errors[key][0])
    return None


def _text(value: Any, context: Any) -> Any:
    """A layout's text or attribute, rendered with the page's context when it
    names something of the page (``{{ request.path }}``)."""
    return Template(value).render(context) if isinstance(value, str) and "{{" in value else value


def _render(template_name: str, context: dict[str, Any]) -> str:
    """A template's text, or "" when it renders to nothing (help that
    applies only on some pages): the pack then draws no empty line."""
    if not template_name:
        return ""
    # The template's output is already escaped; strip() keeps it safe.
    return mark_safe(get_template(template_name).render(context).strip())


class Picker(forms.Select):
    """A drop-down whose options change with the sandbox (the form's
    ``__init__`` sets the field's choices). ``disabled`` holds the values
    shown but not pickable (the service says why); grouped choices are
    ``<optgroup>``s, and ``groups`` gives a group, by its label, its
    ``data-group`` and the line it shows while it has no options. AzField
    writes it as the portal's templates write a ``<select>``."""

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = (), disabled: Any = ()) -> None:
        super().__init__(attrs, choices)
        self.disabled: set[str] = {str(value) for value in disabled}
        self.groups: dict[str, tuple[str, str]] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> "Picker":
        copy = super().__deepcopy__(memo)
        copy.disabled, copy.groups = set(self.disabled), dict(self.groups)
        return copy


class AzField(Field):
    """One field as the portal draws it.

    ``id`` is the control's element id (tests and htmx read it). ``label``
    replaces the field's label on this page; ``star`` adds the required
    star; ``balloon`` the (i) tooltip beside the label. ``help`` is a static
    help line (``rule`` the rule IDs after it); ``help_template`` a template
    (a ``page.html#partial``) rendered with the page's context, for help
    that names things of the page. ``row`` draws the wizard's two-column
    row. ``stack`` puts a radio group's options one per line (long option
    texts, as the peering panes and the endpoint wizard's Connection method
    have), in a pane or a wizard row. ``readonly`` is a flag, or the name of a context variable that
    turns it on (a subnet's name is read-only once the subnet exists).

    A ``RadioSelect`` or ``CheckboxSelectMultiple`` is drawn as a group whose
    options get ids ``<option_prefix>-<value>`` (``-<label>`` with
    ``option_ids="label"``, for values such as ``*``; a dict gives the
    suffix of each value it names, ``{"ExpressRoute": "er"}``), each option's label of
    class ``option_class``; ``label_hidden`` keeps a group's legend for screen
    readers only (a group the page heads itself, or a text box in a grid
    whose column heads it); a read-only radio group
    keeps only its chosen option enabled (HTML has no read-only radio); a ``BooleanField`` is one
    check box with the field's label beside it (``label`` then heads its
    row). Other keyword arguments are the control's HTML attributes (each
    option's, in a group); a label or attribute with ``{{`` is a template,
    rendered with the page's context (``max="{{ limits.maximum }}"``).
    A stacked field's width in a row of fields is a class in
    ``wrapper_class`` (``az-minw-340``): the CSP refuses inline styles.

    ``after_template`` is a template (a ``page.html#partial``) drawn under
    the control and its error, before the help: what the page puts beside a
    field, such as a "Create new" link and the callout it opens, or a live
    check's answer (a choice group in a pane: under its fieldset, after
    the help, as the class pane's run order of the labs checked). ``suffix`` is the grey text joined to a text box's right
    (``.azurewebsites.net``). A radio group's widget may carry ``disabled``
    (a dict: value to the reason shown as its tooltip), as a ``Picker`` does:
    those options are shown greyed, not pickable. ``choices_template`` draws a
    radio group's options itself (rich options: a list whose entries carry
    details and a reason), given ``az.choices`` (their ids, checked and
    disabled) and the page's context; the pack keeps the legend, the error
    and the help.
    """

    template = "%s/field.html"

    def __init__(
        self,
        name: str,
        *,
        id: str,
        star: bool = False,
        label: str = "",
        balloon: str = "",
        help: str = "",
        rule: str = "",
        help_template: str = "",
        row: bool = False,
        stack: bool = False,
        readonly: bool | str = False,
        option_prefix: str = "",
        option_ids: str | dict[str, str] = "value",
        error_id: str = "",
        legend_template: str = "",
        option_class: str = "",
        label_hidden: bool = False,
        after_template: str = "",
        suffix: str = "",
        choices_template: str = "",
        **attrs: Any,
    ) -> None:
        super().__init__(name, id=id, **attrs)
        self.name = name
        self.options = {
            "id": id,
            "star": star,
            "label": label,
            "balloon": balloon,
            "help": help,
            "rule": rule,
            "row": row,
            "stack": stack,
            "option_prefix": option_prefix or id,
            "option_ids": option_ids,
            "error_id": error_id,
            "option_class": option_class,
            "label_hidden": label_hidden,
            "suffix": suffix,
        }
        self.after_template = after_template
        self.choices_template = choices_template
        self.help_template = help_template
        self.legend_template = legend_template
        self.readonly = readonly

    def render(self, form, context, template_pack=TEMPLATE_PACK, extra_context=None, **kwargs) -> str:
        attrs = {key: _text(value, context) for key, value in self.attrs.items()}
        readonly = context.get(self.readonly) if isinstance(self.readonly, str) else self.readonly
        widget = form.fields[self.name].widget
        locked = bool(readonly) and isinstance(widget, forms.RadioSelect)
        if readonly and not locked:
            attrs["readonly"] = True
        flat = context.flatten()
        if isinstance(widget, forms.CheckboxSelectMultiple):
            group = "checkbox"
        elif isinstance(widget, forms.RadioSelect):
            group = "radio"
        elif isinstance(widget, forms.CheckboxInput):
            group = "check"  # one box, its text beside it
        else:
            group = ""
        az = {
            **self.options,
            "label": _text(self.options["label"], context),
            "group": group,
            "choices": self._choices(form, widget, locked) if group in ("checkbox", "radio") else [],
            "option_attrs": flatatt({k: v for k, v in attrs.items() if k != "id"}),
            "input": self._input(widget, attrs),
            "select": self._select(form, widget, attrs) if isinstance(widget, Picker) else None,
            "checked": group == "check" and widget.check_test(form[self.name].value()),
            "problem": problem_for(form, context, self.name),
            "help_html": _render(self.help_template, flat),
            "legend_html": _render(self.legend_template, flat),
            "after_html": _render(self.after_template, flat),
        }
        if self.choices_template:
            az["choices_html"] = _render(self.choices_template, {**flat, "az": az, "field": form[self.name]})
        return render_field(
            self.name,
            form,
            context,
            template=self.get_template_name(template_pack),
            attrs=attrs,
            template_pack=template_pack,
            extra_context={**(extra_context or {}), "az": az, "wrapper_class": self.wrapper_class},
        )

    def _input(self, widget: forms.Widget, attrs: dict[str, Any]) -> dict[str, Any] | None:
        """A text or number box, written as the portal's templates write it
        (type, name, id, value, then the rest) rather than by Django's widget
        template, so pages and what tests read of them stay the same."""
        if not isinstance(widget, Input) or isinstance(widget, forms.CheckboxInput):
            return None
        rest = {k: v for k, v in {**widget.attrs, **attrs}.items() if k not in ("id", "type", "name", "value")}
        return {"type": widget.input_type, "attrs": flatatt(rest)}

    def _select(self, form, widget: Picker, attrs: dict[str, Any]) -> dict[str, Any]:
        """A ``Picker``'s options, in groups (``label`` None: options outside any group)."""
        chosen = form[self.name].value()
        chosen = "" if chosen is None else str(chosen)

        def option(value: Any, label: Any) -> dict[str, Any]:
            value = str(value)
            return {"value": value, "label": label, "selected": value == chosen, "disabled": value in widget.disabled}

        groups: list[dict[str, Any]] = []
        # The widget's choices: a ChoiceField's, or those a form's __init__
        # set on the widget of a field that is no ChoiceField (a PkField).
        for value, label in widget.choices:
            if isinstance(label, (list, tuple)):
                data_group, empty = widget.groups.get(str(value), ("", ""))
                options = [option(*choice) for choice in label]
                groups.append({"label": value, "data_group": data_group, "empty": empty, "options": options})
            elif groups and groups[-1]["label"] is None:
                groups[-1]["options"].append(option(value, label))
            else:
                groups.append({"label": None, "options": [option(value, label)]})
        rest = {k: v for k, v in {**widget.attrs, **attrs}.items() if k not in ("id", "name")}
        return {"attrs": flatatt(rest), "groups": groups}

    def _choices(self, form, widget: forms.Widget, locked: bool = False) -> list[dict[str, Any]]:
        """A group's options with the element ids the portal gives them;
        ``locked`` disables every option but the chosen one, the widget's
        ``disabled`` (value: reason) the options the service doesn't offer."""
        unavailable = getattr(widget, "disabled", None) or {}
        prefix = self.options["option_prefix"]
        option_ids = self.options["option_ids"]
        by_label = option_ids == "label"
        named = option_ids if isinstance(option_ids, dict) else {}

        def suffix(option) -> str:
            value = str(option.data["value"])
            return named.get(value) or slugify(option.choice_label if by_label else value)

        return [
            {
                "value": option.data["value"],
                "label": option.choice_label,
                "checked": option.data["selected"],
                "disabled": (locked and not option.data["selected"]) or str(option.data["value"]) in unavailable,
                "reason": unavailable.get(str(option.data["value"]), "") if isinstance(unavailable, dict) else "",
                "unavailable": str(option.data["value"]) in unavailable,
                "id": f"{prefix}-{suffix(option)}",
            }
            for option in form[self.name].subwidgets
        ]


def wizard_name(**kwargs: Any) -> AzField:
    """Basics > Instance details > Name, of every create wizard (portal/forms.py CreateWizard)."""
    return AzField("name", id="name", star=True, autocomplete="off", **kwargs)


def wizard_region(**kwargs: Any) -> AzField:
    """Basics > Instance details > Region, of every create wizard."""
    return AzField("region", id="region", star=True, **kwargs)
