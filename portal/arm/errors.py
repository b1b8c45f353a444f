"""The one error of ARM JSON in: it names the resource and the property."""

from __future__ import annotations


class ArmError(Exception):
    """A document that can't be deployed: malformed, an unknown type, a
    property of the wrong type, a reference to a missing resource, or a
    refusal of Azure's rules (then ``rule_ids`` carries the rule's IDs).

    ``resource`` is the resource's name (or its index in ``resources``) and
    ``path`` the property, in ARM's spelling (``properties.addressSpace``).
    """

    def __init__(self, message: str, *, resource: str = "", path: str = "", rule_ids: tuple[str, ...] = ()):
        self.message = message
        self.resource = resource
        self.path = path
        self.rule_ids = tuple(rule_ids)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = " ".join(p for p in (f"resource '{self.resource}'" if self.resource else "", self.path) if p)
        rules = f" (Learn more: {', '.join(self.rule_ids)})" if self.rule_ids else ""
        return f"{where}: {self.message}{rules}" if where else f"{self.message}{rules}"
