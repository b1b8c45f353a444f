"""What a type's ``from_arm`` is given: the sandbox being deployed into, and
a way to find the resources a document refers to by ID."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from portal.arm import ids
from portal.arm.errors import ArmError
from portal.errors import AzureRuleError
from portal.models import ResourceGroup
from portal.registry import registry

# Form fields the services name that are the same property in every document.
COMMON_FIELDS = {"name": "name", "region": "location"}


def refusal(exc: AzureRuleError, *, resource: str, path: str = "", fields: dict[str, str] | None = None) -> ArmError:
    """A service's refusal as ARM JSON in reports it: the resource, the
    property and the rule IDs, the message ID first as the blades' "Learn
    more" shows them. With ``fields`` (form field -> property path), the
    property is the one the service's form field maps to, ``name`` and
    ``location`` for those fields (COMMON_FIELDS); else it is ``path``."""
    rule_ids = ((exc.err_id,) if exc.err_id else ()) + tuple(exc.rule_ids)
    field_name = exc.field or ""
    mapped = None if fields is None else fields.get(field_name) or COMMON_FIELDS.get(field_name)
    where = mapped or path or (f"properties ({exc.field})" if exc.field else "properties")
    return ArmError(exc.message, resource=resource, path=where, rule_ids=rule_ids)


@contextmanager
def refusals_at(resource: str, path: str, fields: dict[str, str] | None = None) -> Iterator[None]:
    """Inside, a service's AzureRuleError becomes an ArmError at ``path``
    (or at ``fields[exc.field]``, see :func:`refusal`):
    ``with refusals_at(name, "properties.subnets[2]"): create_subnet(...)``."""
    try:
        yield
    except AzureRuleError as exc:
        raise refusal(exc, resource=resource, path=path, fields=fields) from None


@dataclass
class DeployContext:
    """``sandbox`` and its one ``subscription``; ``created`` maps each resource
    ID deployed so far (lower-cased) to its model instance."""

    sandbox: Any
    subscription: Any
    created: dict[str, Any] = field(default_factory=dict)

    def resource_group(self, name: str):
        group = ResourceGroup.objects.filter(subscription=self.subscription, name__iexact=name).first()
        if group is None:
            raise ArmError(f"Resource group '{name}' could not be found.")
        return group

    def resolve(self, resource_id: str, *, resource: str = "", path: str = ""):
        """The model instance ``resource_id`` names in this sandbox; ArmError
        naming ``resource`` and ``path`` when it isn't there."""
        key = str(resource_id).lower()
        if key in self.created:
            return self.created[key]
        parsed = ids.parse(resource_id, resource=resource, path=path)
        resource_type = registry.find(parsed.arm_type)
        found = resource_type.lookup(self.sandbox, parsed) if resource_type is not None else None
        if found is None:
            raise ArmError(f"The resource '{resource_id}' it refers to was not found.", resource=resource, path=path)
        return found
