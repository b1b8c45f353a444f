"""Management locks (Settings > Locks): adding and removing them, and the
refusals they give every delete and change of what they cover.

A lock applies to its scope and everything below it, as Azure's do: a
VNet's lock covers its subnets, a resource group's lock its resources. A
scope is an ARM ID, so a resource is covered when one of its ID's prefixes
is a locked scope; subscription IDs are unique, so the ID alone keeps the
lookup inside one sandbox.

Rules (docs/fidelity.md "Lab-defined rule IDs"):
LOCK-01 a "Delete" lock (CanNotDelete) refuses deleting the scope and what is under it;
LOCK-02 a "Read-only" lock (ReadOnly) refuses deleting and changing them;
LOCK-03 a lock's name: 1-64 characters, none of < > % & ? / \\ or a control character;
LOCK-04 a lock's name is unique at its scope; notes are at most 512 characters.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.functions import Lower

from portal import services
from portal.errors import AzureRuleError, rule_error
from portal.models import LockLevel, ResourceLock, Sandbox
from portal.prepared import PreparedInstances

MAX_NAME = 64
MAX_NOTES = 512
FORBIDDEN_IN_NAME = set("<>%&?/\\")


def scopes(arm_id: str) -> list[str]:
    """Every scope that contains ``arm_id``, itself included, lowercased:
    '/subscriptions/s', '/subscriptions/s/resourceGroups/rg', ..."""
    parts = arm_id.strip("/").split("/")
    return ["/" + "/".join(parts[:n]).lower() for n in range(2, len(parts) + 1, 2)]


# Every change a learner makes asks for the locks above it: the query is
# compiled once per number of scopes (portal/prepared.py).
_COVERING: dict[int, PreparedInstances] = {}


def _covering_query(count: int) -> PreparedInstances:
    prepared = _COVERING.get(count)
    if prepared is None:
        sentinels = {f"scope{i}": f"zq7%scope_{i}_sentinel" for i in range(count)}

        def build(**wanted):
            return (
                ResourceLock.objects.annotate(scope=Lower("resource_id"))
                .filter(scope__in=list(wanted.values()))
                .order_by("resource_id", "name")
            )

        prepared = _COVERING.setdefault(count, PreparedInstances(build, **sentinels))
    return prepared


def covering(arm_id: str) -> list[ResourceLock]:
    """The locks that apply to ``arm_id``: its own and its parents'."""
    wanted = scopes(arm_id)
    if not wanted:
        return []
    return _covering_query(len(wanted)).all(**{f"scope{i}": scope for i, scope in enumerate(wanted)})


def covering_each(arm_ids: list[str]) -> list[list[ResourceLock]]:
    """:func:`covering` of each of ``arm_ids``, in one query."""
    wanted = [set(scopes(arm_id)) for arm_id in arm_ids]
    every = sorted(set().union(*wanted))
    if not every:
        return [[] for _ in arm_ids]
    found = _covering_query(len(every)).all(**{f"scope{i}": scope for i, scope in enumerate(every)})
    return [[lock for lock in found if lock.resource_id.lower() in scoped] for scoped in wanted]


def at(sandbox: Sandbox, arm_id: str) -> list[ResourceLock]:
    """The locks shown on a blade's Locks page: its own and those it
    inherits, nearest first."""
    return sorted(
        (lock for lock in covering(arm_id) if lock.sandbox_id == sandbox.pk),
        key=lambda lock: (-len(lock.resource_id), lock.name.lower()),
    )


def _refusal(arm_id: str, operation: str, locks: list[ResourceLock], *rule_ids: str) -> AzureRuleError:
    locked = ",".join(sorted({lock.resource_id for lock in locks}))
    return rule_error(
        f"The scope '{arm_id}' cannot perform {operation} operation because following scope(s) are locked: "
        f"'{locked}'. Please remove the lock and try again. (Code: ScopeLocked)",
        *rule_ids,
    )


def delete_refusal(arm_id: str) -> AzureRuleError | None:
    """Why a lock refuses deleting ``arm_id`` (LOCK-01, LOCK-02), or None."""
    locks = covering(arm_id)
    if not locks:
        return None
    levels = {lock.level for lock in locks}
    rules = ("LOCK-01",) if LockLevel.CAN_NOT_DELETE in levels else ()
    if LockLevel.READ_ONLY in levels:
        rules += ("LOCK-02",)
    return _refusal(arm_id, "delete", locks, *rules)


def change_refusal(arm_id: str, covered: list[ResourceLock] | None = None) -> AzureRuleError | None:
    """Why a read-only lock refuses changing ``arm_id`` (LOCK-02), or None.
    ``covered``: :func:`covering`'s answer for it, when read already."""
    covered = covering(arm_id) if covered is None else covered
    locks = [lock for lock in covered if lock.level == LockLevel.READ_ONLY]
    return _refusal(arm_id, "write", locks, "LOCK-02") if locks else None


def check_delete(arm_id: str) -> None:
    """Raise the lock's refusal when ``arm_id`` may not be deleted."""
    refusal = delete_refusal(arm_id)
    if refusal is not None:
        raise refusal


def check_change(arm_id: str) -> None:
    """Raise the lock's refusal when ``arm_id`` may not be changed."""
    refusal = change_refusal(arm_id)
    if refusal is not None:
        raise refusal


def check_lock(sandbox: Sandbox, arm_id: str, *, name: str, level: str, notes: str) -> None:
    """The Add lock pane's rules (LOCK-03, LOCK-04), field by field."""
    if not 1 <= len(name) <= MAX_NAME:
        raise rule_error(f"The lock name must be 1 to {MAX_NAME} characters long.", "LOCK-03", field="name")
    if FORBIDDEN_IN_NAME & set(name) or any(ord(c) < 32 for c in name):
        raise rule_error(
            "The lock name can't contain these characters: < > % & ? / \\ or control characters.",
            "LOCK-03",
            field="name",
        )
    if level not in LockLevel.values:
        raise rule_error("Choose a lock type: Delete or Read-only.", "LOCK-01", "LOCK-02", field="level")
    if len(notes) > MAX_NOTES:
        raise rule_error(f"Notes can be at most {MAX_NOTES} characters long.", "LOCK-04", field="notes")
    taken = ResourceLock.objects.filter(sandbox=sandbox, resource_id__iexact=arm_id, name__iexact=name)
    if taken.exists():
        raise rule_error(f"A lock named '{name}' already exists at this scope.", "LOCK-04", field="name")


def add_lock(sandbox: Sandbox, scope, *, name: str, level: str, notes: str = "") -> ResourceLock:
    """Lock ``scope`` (a resource or a resource group)."""
    name, notes = name.strip(), notes.strip()
    with transaction.atomic():
        check_lock(sandbox, scope.arm_id, name=name, level=level, notes=notes)
        lock = ResourceLock.objects.create(
            sandbox=sandbox, resource_id=scope.arm_id, name=name, level=level, notes=notes
        )
        services.log_activity(sandbox, scope, "Create management locks", "Succeeded")
    return lock


def delete_lock(sandbox: Sandbox, scope, lock: ResourceLock) -> None:
    """Remove one of ``scope``'s own locks."""
    with transaction.atomic():
        ResourceLock.objects.filter(sandbox=sandbox, pk=lock.pk, resource_id__iexact=scope.arm_id).delete()
        services.log_activity(sandbox, scope, "Delete management locks", "Succeeded")
