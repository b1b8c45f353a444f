"""Hostile values for any field: what no browser form sends, and what the
database can't hold (issue #12)."""

import random

from hypothesis import strategies as st

HUGE = "99999999999999999999999"
HOSTILE = (
    "\x00",
    "a\x00b",
    "10.0.0.0/24\x00",
    HUGE,
    "-" + HUGE,
    str(2**63),
    str(2**31),
    "9" * 5000,  # past Python's int() digit limit
    "x" * 10_000,
    "-1",
    "0",
    "",
    " ",
    "1e309",
    "NaN",
    "١٢",  # Arabic-Indic digits: str.isdigit() but no ASCII
    "²",
    "名前\u202e",
    "\ufeff\u200b",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "{}",
    "[]",
    # JSON text areas (a template, Advanced edit): a NUL the fields never
    # saw, decoded from its escape, and nesting past the decoder's recursion.
    '[{"name": "a\\u0000", "value": "b\\u0000", "slotSetting": false}]',
    '{"$schema": "", "contentVersion": "1.0.0.0", "resources": [{"type": "Microsoft.Network/virtualNetworks",'
    ' "apiVersion": "2023-09-01", "name": "v", "location": "eastus", "tags": {"k": "\\u0000"}}]}',
    "[" * 50_000,
)


def field_value(samples: list[str]) -> st.SearchStrategy:
    """One field's value: what the page offered, a hostile value, random
    text or a number, or a list where one value is expected."""
    offered = st.sampled_from(samples) if samples else st.just("")
    scalar = st.one_of(
        offered,
        offered,
        st.sampled_from(HOSTILE),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
        st.integers(-(2**70), 2**70).map(str),
    )
    return st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3))


def form_data(fields: dict[str, list[str]]) -> st.SearchStrategy:
    """A whole form: each field drawn by :func:`field_value`, some missing."""
    return st.fixed_dictionaries({}, optional={name: field_value(samples) for name, samples in fields.items()})


def mutate(fields: dict[str, list[str]], rng: random.Random) -> dict:
    """The same, for `make fuzz` (no Hypothesis engine: a seeded generator)."""
    data: dict = {}
    for name, samples in fields.items():
        roll = rng.random()
        if roll < 0.08:
            continue  # missing
        offered = rng.choice(samples) if samples else ""
        if roll < 0.5:
            value = offered
        elif roll < 0.85:
            value = rng.choice(HOSTILE)
        elif roll < 0.93:
            value = "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(rng.randrange(40)))
        else:
            value = [offered, rng.choice(HOSTILE)]
        data[name] = value
    if rng.random() < 0.05:
        data[rng.choice(HOSTILE[:3]) + "extra"] = rng.choice(HOSTILE)
    return data
