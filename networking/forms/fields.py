"""Form fields the blades' small forms share."""

from django import forms


class PkField(forms.Field):
    """A row's primary key picked in a drop-down or a grid: an int, or None
    for nothing or anything mangled. The service then refuses "nothing
    selected" with its own rule and message, so a hand-edited value gets the
    same field error as an empty one, never a 500."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> int | None:
        text = str(value or "").strip()
        if not (text.isascii() and text.isdigit() and len(text) < 12):
            return None
        return int(text)


class Text(forms.Field):
    """Text handed to a service as typed (cut at ``cap`` characters): the
    service holds the rules and refuses with their IDs, so the field itself
    refuses nothing, not even a NUL character."""

    def __init__(self, cap: int = 1000, *, strip: bool = False, **kwargs) -> None:
        self.cap, self.strip = cap, strip
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> str:
        text = value if isinstance(value, str) else ""
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


class AssociateForm(forms.Form):
    """ "+ Associate" on an NSG or a route table: a virtual network and one
    of its subnets, or a network interface."""

    vnet = PkField()
    subnet = PkField()
    nic = PkField()
