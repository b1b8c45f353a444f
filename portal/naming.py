"""Azure's naming rules for the resources the lab creates.

They come from Azure's "Naming rules and restrictions for Azure resources";
the catalogue has no IDs for them, so the lab's own ``NAMING-nn`` IDs are
used and listed in docs/fidelity.md.
"""

import re
from dataclasses import dataclass

from portal.errors import rule_error


@dataclass(frozen=True)
class NameRule:
    rule_id: str
    kind: str
    min_len: int
    max_len: int
    pattern: re.Pattern
    description: str


NAME_RULES = {
    "resource_group": NameRule(
        "NAMING-01",
        "Resource group",
        1,
        90,
        re.compile(r"^[-\w._()]*[-\w_()]$"),
        "letters, digits, underscores, hyphens, periods and parentheses, and can't end with a period",
    ),
    "vnet": NameRule(
        "NAMING-02",
        "Virtual network",
        2,
        64,
        re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$"),
        "letters, digits, underscores, periods and hyphens; start with a letter or digit and end with a letter, digit or underscore",
    ),
    "subnet": NameRule(
        "NAMING-03",
        "Subnet",
        1,
        80,
        re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$"),
        "letters, digits, underscores, periods and hyphens; start with a letter or digit and end with a letter, digit or underscore",
    ),
    "plan": NameRule(
        "NAMING-04",
        "App Service plan",
        1,
        60,
        re.compile(r"^[A-Za-z0-9-]+$"),
        "letters, digits and hyphens",
    ),
    "webapp": NameRule(
        "NAMING-05",
        "Web app",
        2,
        60,
        re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$"),
        "letters, digits and hyphens, and can't start or end with a hyphen",
    ),
}


def validate_name(kind: str, value: str, field: str = "name") -> str:
    rule = NAME_RULES[kind]
    name = (value or "").strip()
    if not name:
        raise rule_error(f"{rule.kind} name is required.", rule.rule_id, field=field)
    if not (rule.min_len <= len(name) <= rule.max_len):
        raise rule_error(
            f"The name must be between {rule.min_len} and {rule.max_len} characters long.", rule.rule_id, field=field
        )
    if not rule.pattern.match(name) or not name.isascii() and kind != "resource_group":
        raise rule_error(f"The name can contain only {rule.description}.", rule.rule_id, field=field)
    return name
