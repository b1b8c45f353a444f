"""Azure resource IDs, parsed and built."""

from __future__ import annotations

from dataclasses import dataclass

from portal.arm.errors import ArmError


@dataclass(frozen=True)
class ResourceId:
    """``/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{child type}/{child name}...]``.

    ``arm_type`` is the full type (``Microsoft.Network/virtualNetworks/subnets``)
    and ``names`` the name of each level (``("contoso-vnet", "default")``)."""

    subscription_id: str
    resource_group: str
    arm_type: str
    names: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.names[-1]

    def __str__(self) -> str:
        namespace, *types = self.arm_type.split("/")
        path = "/".join(f"{t}/{n}" for t, n in zip(types, self.names, strict=True))
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}/providers/{namespace}/{path}"


def parse(text: str, *, resource: str = "", path: str = "") -> ResourceId:
    """Parse a resource ID; ArmError (naming ``resource`` and ``path``) when it isn't one."""
    parts = [p for p in str(text).split("/") if p]
    if (
        len(parts) < 7
        or parts[0].lower() != "subscriptions"
        or parts[2].lower() != "resourcegroups"
        or parts[4].lower() != "providers"
        or len(parts[6:]) % 2
    ):
        raise ArmError(f"'{text}' is not a valid resource ID.", resource=resource, path=path)
    namespace, rest = parts[5], parts[6:]
    types, names = rest[0::2], rest[1::2]
    return ResourceId(parts[1], parts[3], "/".join([namespace, *types]), tuple(names))
