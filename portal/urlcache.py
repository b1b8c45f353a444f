"""Reversing blade URLs from a template reversed once.

A blade page links to a dozen pages of its resource; ``reverse`` resolves
each through the URL patterns again. :func:`fast_reverse` reverses a URL
name once with placeholder arguments, keeps the result, and afterwards only
substitutes the quoted values, giving exactly what ``reverse`` gives
(tests/portal/test_resources.py checks it).
"""

import re
import uuid
from urllib.parse import quote

from django.urls import reverse

_SAFE = "!$&'()*+,;=~:@"
_templates: dict[tuple, tuple[str, dict[str, str], re.Pattern]] = {}


def _placeholder(key: str, value) -> str:
    if isinstance(value, uuid.UUID):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"vnetlab-placeholder-{key}"))
    return f"zq{key.replace('_', '')}qz"


def fast_reverse(url_name: str, /, **kwargs) -> str:
    key = (url_name, tuple(sorted((k, isinstance(v, uuid.UUID)) for k, v in kwargs.items())))
    cached = _templates.get(key)
    if cached is None:
        placeholders = {k: _placeholder(k, v) for k, v in kwargs.items()}
        pattern = re.compile("|".join(re.escape(p) for p in placeholders.values()))
        cached = _templates[key] = (reverse(url_name, kwargs=placeholders), placeholders, pattern)
    url, placeholders, pattern = cached
    values = {
        placeholders[k]: str(v) if isinstance(v, uuid.UUID) else quote(str(v), safe=_SAFE) for k, v in kwargs.items()
    }
    # One pass, so a value that happens to contain a placeholder stays as it is.
    return pattern.sub(lambda m: values[m.group(0)], url)
