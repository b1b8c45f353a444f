"""What a request may carry, read safely: the one place that turns posted
text and numbers into values a query can take (issue #12: no 500 from any
input).

Two things no database stores, on SQLite and PostgreSQL alike, and that a
view must never hand to a query:

- a NUL character (U+0000): PostgreSQL refuses it in text (``DataError``).
  Django's ``CharField`` refuses it with a field error (its
  ``ProhibitNullCharactersValidator``); text read around the fields (a
  wizard redrawing on its region, ``networking.forms.fields.Text`` handing
  typed text to a service, a grid posted as lists) goes through
  :func:`db_text`, which holds it as U+FFFD, the character Django already
  puts in place of undecodable bytes. The field or the service then refuses
  it with its own rule, on its field. A NUL in the URL's path names nothing:
  :class:`InputGuardMiddleware` answers 404 before a view looks it up.
- an integer past a database integer's range: SQLite raises
  ``OverflowError``, PostgreSQL ``NumericValueOutOfRange``. Every number a
  request names (a row's key, a row index, a page, ``<pk:...>`` in a URL)
  goes through :func:`parse_int` / :func:`parse_pk`, which answer None for
  anything that isn't a number in range; the form or service then refuses
  "nothing selected" with its own field error.

Overlong text is capped by the form fields (``max_length`` or ``Text``'s
cap); a list where one value is expected is read as its last value
(``QueryDict.get``) or, where a value is read whole, as no text.
"""

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

NUL = "\x00"
# The widest integer column (BigAutoField, BigIntegerField): keys and counts
# beyond it can't be stored nor looked up on either database.
DB_INT_MAX = 2**63 - 1
_MAX_DIGITS = len(str(DB_INT_MAX))

REPLACEMENT = "\ufffd"


def db_text(value) -> str:
    """Posted text as a database can hold it: anything but a string (a list
    posted where one value was expected, None) is no text, and a NUL is
    U+FFFD, which every field and naming rule refuses as it refuses any
    character it doesn't take."""
    return value.replace(NUL, REPLACEMENT) if isinstance(value, str) else ""


class JsonRefused(ValueError):
    """JSON text that decodes, but to what no field may be handed."""


def json_loads(text: str | bytes) -> Any:
    """JSON posted in a text area (a template, Advanced edit): its
    ``\\u0000`` escapes decode to the NUL the fields never saw, so a
    document holding one is refused, as is one nested past what the decoder
    recurses into. Raises ``json.JSONDecodeError``, ``UnicodeDecodeError``
    or :class:`JsonRefused` (all ``ValueError``)."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise JsonRefused("it is nested too deeply") from None
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and NUL in item:
            raise JsonRefused("a string holds \\u0000, a null character, which no property takes")
        if isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item
    return document


def parse_int(value, *, lo: int = 0, hi: int = DB_INT_MAX) -> int | None:
    """A posted whole number in ``lo``..``hi``: ASCII digits (an optional
    sign when ``lo`` is negative, spaces around), else None. Never raises,
    never returns a number a database integer can't hold."""
    text = value.strip() if isinstance(value, str) else str(value) if isinstance(value, int) else ""
    digits = text[1:] if text[:1] in "+-" and lo < 0 else text
    if not (digits.isascii() and digits.isdigit() and len(digits.lstrip("0")) <= _MAX_DIGITS):
        return None
    number = int(text)
    return number if max(lo, -DB_INT_MAX) <= number <= min(hi, DB_INT_MAX) else None


def parse_pk(value) -> int | None:
    """A row's primary key picked in a drop-down, a grid or a URL: a positive
    integer a key column can hold, else None (nothing picked)."""
    return parse_int(value, lo=1)


class PkConverter:
    """``<pk:name>`` in a URL: a row's key a key column can hold. A longer
    number doesn't match (404), where ``<int:...>`` would hand any number of
    digits to the query."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        pk = parse_pk(value)
        if pk is None:
            raise ValueError(value)
        return pk

    def to_url(self, value) -> str:
        return str(value)


class InputGuardMiddleware:
    """A URL whose path holds a NUL character names no resource: 404 before a
    view hands the name to a query. (The query string and the form are the
    fields' business: see the module's docstring.)"""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path:
            raise Http404("No resource has that name.")
        return self.get_response(request)
