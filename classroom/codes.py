"""Join codes (CLS-04): short enough to type from the back of a room, drawn
from letters and digits no projector confuses (no 0/O, 1/I/L, 2/Z, 5/S, 8/B),
random from the OS, and unique among all classes. Six of the 25 symbols give
about 244 million codes; joining is rate limited per code and per address,
so they cannot be enumerated (classroom/join.py)."""

import secrets

ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(typed: str) -> str:
    """What a learner typed, as a code: upper case, spaces and dashes gone."""
    return "".join(ch for ch in typed.upper() if ch not in " -\t")


def looks_valid(code: str) -> bool:
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)
