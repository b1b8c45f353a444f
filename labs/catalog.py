"""The labs catalog: every ``labs/catalog/*.yaml``, read and checked once
per process (and at startup, labs.apps), and the estates labs start from."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from labs import params as lab_params
from labs.schema import Lab, LabError
from labs.schema import load as load_file
from portal import seed
from portal.arm import template as templates
from portal.arm.errors import ArmError

ROOT = Path(__file__).resolve().parent
CATALOG = ROOT / "catalog"
ESTATES = ROOT / "estates"
BUILT_IN = ("subscriptionId",)


@cache
def load(directory: Path = CATALOG) -> dict[str, Lab]:
    """Every lab by its id, in file-name order; LabError on the first bad file."""
    labs: dict[str, Lab] = {}
    for path in sorted(directory.glob("*.yaml")):
        lab = load_file(path, root=ROOT.parent)
        _check_references(lab)
        labs[lab.id] = lab
    return labs


def get(lab_id: str) -> Lab | None:
    return load().get(lab_id)


def estate(name: str) -> dict[str, Any]:
    """The estate template ``name``: ``demo`` (the seed) or ``labs/estates/<name>.json``."""
    if name == "demo":
        return seed.estate()
    return _estate_file(name)


@cache
def _estate_file(name: str) -> dict[str, Any]:
    path = ESTATES / f"{name}.json"
    if not path.is_file() or path.parent != ESTATES:
        raise LabError(f"labs/estates/{name}.json:0", "no such estate")
    try:
        return templates.parse(path.read_bytes())
    except ArmError as error:
        raise LabError(f"labs/estates/{name}.json:0", str(error)) from None


def _check_references(lab: Lab) -> None:
    """Every ``${name}`` the lab uses is one of its parameters, and its estate exists."""
    estate(lab.estate)
    known = set(lab.parameters) | set(BUILT_IN)
    used = lab_params.names_used(
        [
            lab.estate_parameters,
            [(o.id, o.body) for o in (*lab.faults, *lab.solution)],
            [(t.instructions, [c.spec for c in t.checks]) for t in lab.tasks],
            [(c.title, c.explain, c.why, c.look_at) for c in lab.checks],
        ]
    )
    unknown = sorted(used - known)
    if unknown:
        raise LabError(f"{lab.path}:1", f"'${{{unknown[0]}}}' is used but is not one of the lab's parameters")
