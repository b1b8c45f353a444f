"""Reversing blade URLs from a template reversed once.

A blade page links to a dozen pages of its resource; ``reverse`` resolves
each through the URL patterns again. :func:`fast_reverse` reverses a URL
name once with placeholder arguments, keeps the result cut at the
placeholders, and afterwards only joins the quoted values in, giving exactly
what ``reverse`` gives (tests/portal/test_resources.py checks it). A page
quotes the same few values (its resource's group and name) for every link:
their quoted forms are kept too. Arguments are text or UUIDs: an
``<int:...>`` converter refuses the text placeholder (use ``reverse``).
"""

import re
import uuid
from functools import lru_cache
from urllib.parse import quote

from django.urls import reverse

_SAFE = "!$&'()*+,;=~:@"
# Per URL name and argument names (and which are UUIDs): the reversed URL cut
# into its literal parts (even places) and argument names (odd places).
_templates: dict[tuple, list[str]] = {}


def _placeholder(key: str, value) -> str:
    if isinstance(value, uuid.UUID):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"vnetlab-placeholder-{key}"))
    return f"zq{key.replace('_', '')}qz"


@lru_cache(maxsize=4096, typed=True)
def _text(value) -> str:
    """A value as the URL carries it (a UUID as is, the rest quoted)."""
    return str(value) if isinstance(value, uuid.UUID) else quote(str(value), safe=_SAFE)


def _parts(url_name: str, kwargs: dict) -> list[str]:
    placeholders = {k: _placeholder(k, v) for k, v in kwargs.items()}
    names = {p: k for k, p in placeholders.items()}
    url = reverse(url_name, kwargs=placeholders)
    # One pass, so a value that happens to contain a placeholder stays as it is.
    parts = re.split("(" + "|".join(re.escape(p) for p in placeholders.values()) + ")", url)
    return [names[part] if i % 2 else part for i, part in enumerate(parts)]


def fast_reverse(url_name: str, /, **kwargs) -> str:
    key = (url_name, *[(k, isinstance(v, uuid.UUID)) for k, v in kwargs.items()])
    parts = _templates.get(key)
    if parts is None:
        parts = _templates[key] = _parts(url_name, kwargs)
    values = {k: _text(v) for k, v in kwargs.items()}
    return "".join([values[part] if i % 2 else part for i, part in enumerate(parts)])
