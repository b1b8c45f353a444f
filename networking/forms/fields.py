"""Form fields the blades' small forms share."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models import Model, QuerySet

from portal.inputs import db_text, parse_pk


class PkField(forms.Field):
    """A row's primary key picked in a drop-down or a grid: an int, or None
    for nothing or anything mangled. The service then refuses "nothing
    selected" with its own rule and message, so a hand-edited value gets the
    same field error as an empty one, never a 500."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> int | None:
        return pk_of(value)


def pk_of(value: Any) -> int | None:
    """A posted primary key: an int, or None for nothing or anything mangled
    (portal.inputs.parse_pk, the one parser of the numbers a request names)."""
    return parse_pk(value)


class SandboxChoice(forms.ModelChoiceField):
    """A row picked in a drop-down of the sandbox's own rows (``queryset``),
    by its primary key; each option's text is ``option(row)``. Like PkField
    it refuses nothing: anything mangled, or a row outside the
    list, is None (nothing picked), which the form refuses with ``message``
    under the field, never a 500."""

    def __init__(self, queryset: QuerySet, *, message: str, option: Callable[[Any], str], **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(queryset, **kwargs)
        self.message, self.option = message, option

    def to_python(self, value: Any) -> Model | None:
        pk = pk_of(value)
        try:
            return None if pk is None else super().to_python(pk)
        except forms.ValidationError:
            return None

    def label_from_instance(self, obj: Model) -> str:
        return self.option(obj)


class Text(forms.Field):
    """Text handed to a service as typed (cut at ``cap`` characters): the
    service holds the rules and refuses with their IDs, so the field itself
    refuses nothing. A NUL character reaches the service as U+FFFD
    (portal.inputs.db_text), which its rules refuse like any odd character."""

    def __init__(self, cap: int = 1000, *, strip: bool = False, **kwargs) -> None:
        self.cap, self.strip = cap, strip
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> str:
        text = db_text(value)
        return (text.strip() if self.strip else text)[: self.cap]


def rerender_with_own_value(url: str) -> dict[str, str]:
    """A picker whose change re-renders its pane from ``url`` with only its
    own value (the pane's other fields are not sent: a record set's values
    could be long)."""
    return {"hx-get": url, "hx-trigger": "change", "hx-target": "#context-pane", "hx-swap": "innerHTML"}


def parsed(form: forms.Form) -> dict:
    """The cleaned data of a form whose fields never refuse (lenient fields
    and capped text): the view hands it to a service, which holds the rules."""
    form.is_valid()
    return form.cleaned_data
