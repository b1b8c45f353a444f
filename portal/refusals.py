"""CLS-13: a write Azure refuses is a Failed operation in the sandbox's
Activity log, as Azure's activity log records a failed request.

Every blade turns a refusal (:class:`portal.errors.AzureRuleError`) into
the message on its pane in its own way, so the frame records it in one
place instead: around the request. While a write request (POST, PUT,
PATCH, DELETE) runs, every refusal made is kept (``errors.made``); when its
answer says the request was refused (400, 409 or 422) and a refusal with a
rule ID was raised, the first one raised is the reason (a pane drawn again
after it may make others, to show why an option is unavailable, but
those are drawn, not raised first). The row is written after the view has
returned, outside the service's transaction, so the refused write's
rollback leaves it.

A create wizard's steps before Create (Next, Review + create) validate
and write nothing, so their refusals are not recorded; Create's is.

The operation is named as Azure's Activity log names it ("Create or
Update Virtual Network", "Delete Subnet"; ``ResourceType.operation_noun``)
after the resource the refused request wrote: the resource a create
wizard or pane would have made (its posted resource group and name), the
child resource whose pane refused (a subnet, a security rule, a route, a
peering), or the resource of the blade's URL. Only a write whose path names
none of them is the subscription's "Create Deployment". The detail carries
the rule IDs and the message (:func:`portal.services.log_refusal`).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.urls import Resolver404, resolve

from portal import errors, services
from portal.inputs import db_text
from portal.registry import registry

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED = frozenset({400, 409, 422})


@contextmanager
def watching(request) -> Iterator[None]:
    """Keep the refusals made while ``request`` runs, and record the one
    that refused it."""
    if request.method not in WRITES:
        yield
        return
    made: list = []
    token = errors.made.set(made)
    try:
        yield
    finally:
        errors.made.reset(token)
    request.vnetlab_refusals = made


def record(request, response) -> None:
    """Write the Failed row for a refused write request (after the view)."""
    made = getattr(request, "vnetlab_refusals", None)
    sandbox = getattr(request, "sandbox", None)
    if not made or sandbox is None or response.status_code not in REFUSED or _wizard_step(request):
        return
    raised = [e for e in made if e.__traceback__ is not None and (e.rule_ids or e.err_id)]
    if not raised:
        return
    resource, operation = _target(request, sandbox)
    services.log_refusal(sandbox, resource, operation, raised[0])


def _wizard_step(request) -> bool:
    """A create wizard's Next, Review + create or tab button: validation, as
    Azure's portal validates before it sends anything; only Create is a
    write (portal.forms.CreateWizard posts ``current_tab`` and ``action``)."""
    data = request.POST
    return "current_tab" in data and str(data.get("action", "")).lower() != "create"


class _Target:
    """What a Failed row names: the resource's ID, group and type."""

    def __init__(self, arm_id: str, resource_group: str, arm_type: str):
        self.arm_id, self.name, self.arm_type = arm_id[:400], resource_group[:90], arm_type
        self.resource_group = None


# A path segment under a resource that names a child type otherwise than the
# type's own last segment ("peerings" for virtualNetworkPeerings).
_CHILD_SEGMENTS = {
    "addsubnet": "subnets",
    "peerings": "virtualNetworkPeerings",
    "inboundSecurityRules": "securityRules",
    "outboundSecurityRules": "securityRules",
    "nodepools": "agentPools",
}
# The posted field that names a new child, where it isn't ``name``.
_NAME_FIELDS = {"addsubnet": "subnet_name", "virtualNetworkLinks": "link_name"}
# The last segment of a child's path that adds a new child, named by the posted ``name``.
_ADDS = frozenset({"add", "addsubnet"})
RESOURCE_GROUP_WIZARD = "resourcegroup"  # portal.forms.ResourceGroupWizard.kind


def _posted(request, field: str, limit: int) -> str:
    return db_text(request.POST.get(field, "")).strip()[:limit]


def _subscription_id(sandbox) -> str:
    subscription = sandbox.subscriptions.first()
    return f"/subscriptions/{subscription.subscription_id}" if subscription is not None else ""


def _target(request, sandbox) -> tuple[_Target, str]:
    """The resource and operation a refused write names, in Azure's words:
    the resource a create pane or wizard would have made, the child
    resource (a subnet, a rule, a route, a peering) whose blade refused, or
    the resource of the blade; the subscription's "Create Deployment" only
    when the path names none of them."""
    created = _created(request, sandbox)
    if created is not None:
        return created
    parts = request.path_info.split("/")
    # /resource/subscriptions/<id>/resourceGroups/<rg>/providers/<ns>/<type>/<name>/<blade>...
    if len(parts) >= 10 and parts[1] == "resource" and parts[4] == "resourceGroups" and parts[6] == "providers":
        arm_type = f"{parts[7]}/{parts[8]}"
        arm_id = "/" + "/".join(parts[2:10])
        verb = "Delete" if parts[-1] == "delete" or parts[-2:] == ["delete", ""] else "Create or Update"
        child = _child(request, arm_type, parts[10:])
        if child is not None:
            child_type, child_name = child
            arm_id, arm_type = f"{arm_id}/{child_type.arm_type.rsplit('/', 1)[1]}/{child_name}", child_type.arm_type
            return _Target(arm_id, parts[5], arm_type), f"{verb} {child_type.operation_noun}"
        kind = registry.find(arm_type)
        noun = kind.operation_noun if kind is not None else parts[8]
        return _Target(arm_id, parts[5], arm_type), f"{verb} {noun}"
    if len(parts) >= 6 and parts[1] == "resource" and parts[4] == "resourceGroups":
        return _Target("/" + "/".join(parts[2:6]), parts[5], "Microsoft.Resources/resourceGroups"), (
            "Create or Update Resource Group"
        )
    return _Target(_subscription_id(sandbox), "", "Microsoft.Resources/deployments"), "Create Deployment"


def _created(request, sandbox) -> tuple[_Target, str] | None:
    """A create wizard's Create (``/create/<kind>/``, or a create pane opened
    from a resource group): the resource it would have made, named by the
    posted resource group and name, as Azure names a failed create of it
    ("Create or Update Virtual Network"). None for any other path."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    wizard = match.kwargs.get("kind") if match.url_name == "create_wizard" else match.view_name
    sub = _subscription_id(sandbox)
    name = _posted(request, "name", 100)
    if wizard == RESOURCE_GROUP_WIZARD:
        if not name:
            return None
        rg_id = f"{sub}/resourceGroups/{name}"
        return _Target(rg_id, name, "Microsoft.Resources/resourceGroups"), "Create Resource Group"
    kind = next((t for t in registry if t.product is not None and t.product.wizard == wizard), None)
    if kind is None:
        return None
    rg = _posted(request, "resource_group", 90) or str(match.kwargs.get("rg", ""))[:90]
    if not rg or not name:
        return None
    arm_id = f"{sub}/resourceGroups/{rg}/providers/{kind.arm_type}/{name}"
    return _Target(arm_id, rg, kind.arm_type), f"Create or Update {kind.operation_noun}"


def _child(request, parent_type: str, rest: list[str]):
    """The child resource a blade under a resource writes (a subnet's own
    pane, "+ Add" of rules, routes, peerings): (its type, its name), or
    None when the blade is the parent's own."""
    if not rest or not rest[0]:
        return None
    segment = _CHILD_SEGMENTS.get(rest[0], rest[0])
    kind = registry.find(f"{parent_type}/{segment}")
    if kind is None:
        return None
    if rest[0] in _ADDS or (len(rest) > 1 and rest[1] in _ADDS):
        name = _posted(request, _NAME_FIELDS.get(rest[0], "name"), 100)
    else:
        name = rest[1] if len(rest) > 1 else ""
        if name.isdigit():  # a row's database key (a DNS link's), not its name: the parent's blade
            return None
    return (kind, name) if name else None
