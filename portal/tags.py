"""Resource tags (the Tags blade, and a template's ``tags``): Azure's limits
and the one write path, which the Activity log records as "Update resource tags".

Rules (docs/fidelity.md "Lab-defined rule IDs"; Azure's tag limitations):
TAG-01 a name is 1-512 characters; TAG-02 a value is at most 256;
TAG-03 names are case-insensitive, so each is used once;
TAG-04 at most 50 tags on a resource;
TAG-05 a name can't contain < > % & \\ ? /.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction

from portal import services
from portal.errors import rule_error
from portal.registry import registry

MAX_NAME = 512
MAX_VALUE = 256
MAX_TAGS = 50
FORBIDDEN_IN_NAME = "<>%&\\?/"


def clean_tags(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The tags from Name : Value rows (a row without a name is skipped),
    refused by the first rule a row breaks; the refusal's field is
    ``name_<row>`` or ``value_<row>``."""
    tags: dict[str, str] = {}
    seen: set[str] = set()
    for row, (name, value) in enumerate(pairs):
        name, value = (name or "").strip(), (value or "").strip()
        if not name:
            if value:
                raise rule_error("Enter a name for this value.", "TAG-01", field=f"name_{row}")
            continue
        if len(name) > MAX_NAME:
            raise rule_error(f"A tag name can be at most {MAX_NAME} characters.", "TAG-01", field=f"name_{row}")
        if any(c in FORBIDDEN_IN_NAME for c in name):
            raise rule_error("A tag name can't contain these characters: < > % & \\ ? /", "TAG-05", field=f"name_{row}")
        if len(value) > MAX_VALUE:
            raise rule_error(f"A tag value can be at most {MAX_VALUE} characters.", "TAG-02", field=f"value_{row}")
        if name.lower() in seen:
            raise rule_error(
                f"The tag name '{name}' is already used (tag names are case-insensitive).",
                "TAG-03",
                field=f"name_{row}",
            )
        seen.add(name.lower())
        tags[name] = value
    if len(tags) > MAX_TAGS:
        raise rule_error(f"A resource can have at most {MAX_TAGS} tags.", "TAG-04", field=None)
    return tags


def check_tags(document_tags: object) -> dict[str, str]:
    """A template's ``tags`` object, held to the same rules."""
    if not isinstance(document_tags, Mapping) or not all(isinstance(v, str) for v in document_tags.values()):
        raise rule_error("Tags must be an object of name: string value pairs.", "TAG-01", field="tags")
    return clean_tags((str(k), v) for k, v in document_tags.items())


def set_tags(resource, tags: Mapping[str, str], *, logged: bool = True) -> None:
    """Replace ``resource``'s tags (validated by :func:`clean_tags`); a
    read-only lock refuses it (LOCK-02). ``logged=False`` is for the tags a
    create wizard's Tags tab writes onto the resource it has just created:
    the create's own Activity log row covers them, as Azure's deployment
    writes them with the resource."""
    tags = clean_tags(tags.items())
    refusal = registry.change_refusal(resource.arm_type, resource, {"tags": tags})
    if refusal is not None:
        raise refusal
    with transaction.atomic():
        type(resource).objects.filter(pk=resource.pk).update(tags=tags)
        resource.tags = tags
        if logged:
            services.log_activity(resource.sandbox, resource, "Update resource tags", "Succeeded")
