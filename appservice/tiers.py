"""What the Spec Picker says of each pricing tier (portal-ui §2.5): which
cards a tab recommends (the rest wait behind "See additional options"),
and the "Included features" and "Included hardware" panes of the card
picked. Figures are App Service's published ones per SKU; the VNet
integration line is the era's (ASVI-10), drawn by the view."""

from __future__ import annotations

from portal import eras

# Shown first on each tab; the tab's other tiers are "additional options".
RECOMMENDED = {"F1", "D1", "B1", "P1V2", "P2V2", "P3V2", "P1V3", "P2V3", "P3V3", "P1V4", "I1", "I1V2"}

# Tier -> (custom domains / SSL, auto scale, staging slots, daily backups).
_FEATURES = {
    eras.FREE: ("", "", "", ""),
    eras.SHARED: ("Custom domains (no SSL bindings)", "", "", ""),
    eras.BASIC: ("Custom domains with SNI and IP SSL bindings", "", "", ""),
    eras.STANDARD: ("Custom domains with SNI and IP SSL bindings", "Up to 10 instances", "Up to 5 slots", "10 a day"),
    eras.PREMIUM_V2: (
        "Custom domains with SNI and IP SSL bindings",
        "Up to 30 instances",
        "Up to 20 slots",
        "50 a day",
    ),
    eras.PREMIUM_V3: (
        "Custom domains with SNI and IP SSL bindings",
        "Up to 30 instances",
        "Up to 20 slots",
        "50 a day",
    ),
    eras.PREMIUM_V4: (
        "Custom domains with SNI and IP SSL bindings",
        "Up to 30 instances",
        "Up to 20 slots",
        "50 a day",
    ),
    eras.ISOLATED: ("Custom domains with SNI and IP SSL bindings", "Up to 100 instances", "Up to 20 slots", "50 a day"),
    eras.ISOLATED_V2: (
        "Custom domains with SNI and IP SSL bindings",
        "Up to 100 instances",
        "Up to 20 slots",
        "50 a day",
    ),
}

# SKU -> (compute, memory, storage) of one instance.
_HARDWARE = {
    "F1": ("Shared, 60 CPU minutes a day", "1 GB", "1 GB"),
    "D1": ("Shared, 240 CPU minutes a day", "1 GB", "1 GB"),
    "B1": ("100 total ACU", "1.75 GB", "10 GB"),
    "B2": ("200 total ACU", "3.5 GB", "10 GB"),
    "B3": ("400 total ACU", "7 GB", "10 GB"),
    "S1": ("100 total ACU", "1.75 GB", "50 GB"),
    "S2": ("200 total ACU", "3.5 GB", "50 GB"),
    "S3": ("400 total ACU", "7 GB", "50 GB"),
    "P1V2": ("210 total ACU", "3.5 GB", "250 GB"),
    "P2V2": ("420 total ACU", "7 GB", "250 GB"),
    "P3V2": ("840 total ACU", "14 GB", "250 GB"),
    "P1V3": ("195 minimum ACU/vCPU, 2 vCPU", "8 GB", "250 GB"),
    "P2V3": ("195 minimum ACU/vCPU, 4 vCPU", "16 GB", "250 GB"),
    "P3V3": ("195 minimum ACU/vCPU, 8 vCPU", "32 GB", "250 GB"),
    "P1V4": ("2 vCPU", "8 GB", "250 GB"),
    "I1": ("210 total ACU", "3.5 GB", "1 TB"),
    "I1V2": ("195 minimum ACU/vCPU, 2 vCPU", "8 GB", "1 TB"),
}


def included_features(tier: str, vnet: dict) -> list[dict]:
    """The "Included features" pane: each feature with what the tier gives
    ("" when it doesn't), VNet integration as the era allows it (``vnet``)."""
    domains, scale, slots, backups = _FEATURES[tier]
    return [
        {"name": "Custom domains / SSL", "value": domains},
        {"name": "Auto scale", "value": scale},
        {"name": "Staging slots", "value": slots},
        {"name": "Daily backups", "value": backups},
        {"name": "VNet integration", "value": vnet["label"] if vnet["state"] != "no" else "", "rules": vnet["rules"]},
    ]


def included_hardware(sku: str) -> list[dict]:
    """The "Included hardware" pane: one instance's compute, memory and storage."""
    compute, memory, storage = _HARDWARE[sku]
    return [
        {"name": "Azure Compute Units (ACU)", "value": compute},
        {"name": "Memory", "value": f"{memory} per instance"},
        {"name": "Storage", "value": f"{storage} shared by the plan's apps"},
    ]
