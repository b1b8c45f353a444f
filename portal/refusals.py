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

The operation is named after the resource the blade belongs to ("Create
or Update Web App", "Delete Virtual Network"), the resource from the
blade's URL; a create wizard's refusal is the subscription's "Create
Deployment". The detail carries the rule IDs and the message
(:func:`portal.services.log_refusal`).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from portal import errors, services
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
    resource, operation = _target(request.path_info, sandbox)
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
        self.arm_id, self.name, self.arm_type = arm_id, resource_group, arm_type
        self.resource_group = None


def _target(path: str, sandbox) -> tuple[_Target, str]:
    parts = path.split("/")
    # /resource/subscriptions/<id>/resourceGroups/<rg>/providers/<ns>/<type>/<name>/<blade>...
    if len(parts) >= 10 and parts[1] == "resource" and parts[4] == "resourceGroups" and parts[6] == "providers":
        arm_type = f"{parts[7]}/{parts[8]}"
        kind = registry.find(arm_type)
        label = kind.label if kind is not None else parts[8]
        verb = "Delete" if parts[-1] == "delete" or parts[-2:] == ["delete", ""] else "Create or Update"
        arm_id = "/" + "/".join(parts[2:10])
        return _Target(arm_id, parts[5], arm_type), f"{verb} {label}"
    if len(parts) >= 6 and parts[1] == "resource" and parts[4] == "resourceGroups":
        return _Target("/" + "/".join(parts[2:6]), parts[5], "Microsoft.Resources/resourceGroups"), (
            "Create or Update Resource Group"
        )
    subscription = sandbox.subscriptions.first()
    sub_id = f"/subscriptions/{subscription.subscription_id}" if subscription is not None else ""
    return _Target(sub_id, "", "Microsoft.Resources/deployments"), "Create Deployment"
