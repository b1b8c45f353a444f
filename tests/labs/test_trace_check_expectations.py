"""A trace check without a verdict grades what the trace found whatever
happens to the packet ("the name resolves to a private address"); an empty
``expect`` is refused at its line; the lab's own public IP pool (PIP-05)
counts as public, as a NAT gateway's address is (NAT-07, ASRT-17)."""

from pathlib import Path

import pytest

from labs import catalog
from labs.checks import _address_is
from labs.schema import LabError, parse

GOOD = (Path(catalog.CATALOG) / "integrate-same-region.yaml").read_text()
VERDICT = "          verdict: Reachable\n"


def test_a_trace_check_may_leave_out_the_verdict():
    lab = parse(GOOD.replace(VERDICT, "", 1), "labs/catalog/x.yaml")
    check = next(c for c in lab.checks if c.id == "app-reaches-vm")
    assert "verdict" not in check.spec["expect"] and check.spec["expect"]["source"] == "${subnet.prefix}"


def test_an_empty_expect_is_refused_at_its_line():
    text = GOOD.replace(VERDICT + "          source: ${subnet.prefix}\n", "", 1).replace(
        "        expect:\n", "        expect: {}\n", 1
    )
    with pytest.raises(LabError) as error:
        parse(text, "labs/catalog/x.yaml")
    assert "'expect' needs a verdict or what the trace must find" in error.value.message
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "expect: {}" in t)
    assert error.value.where == f"labs/catalog/x.yaml:{line}"


@pytest.mark.parametrize(
    ("address", "wanted", "expected"),
    [
        ("198.51.100.7", "public", True),  # PIP-05: a NAT gateway's address
        ("198.51.100.7", "private", False),
        ("20.49.100.17", "public", True),
        ("10.0.4.4", "private", True),
        ("100.64.0.9", "private", True),
        ("172.16.0.1", "public", False),
    ],
)
def test_public_and_private_addresses_pip_05(address, wanted, expected):
    assert _address_is(address, wanted) is expected
