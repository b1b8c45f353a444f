"""A lab file is checked when it is read: every error names the file and
the line, and says what is wrong."""

from pathlib import Path

import pytest

from labs import catalog
from labs.schema import LabError, parse

GOOD = (Path(catalog.CATALOG) / "integrate-same-region.yaml").read_text()


def broken(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_catalog_loads():
    labs = catalog.load()
    assert "integrate-same-region" in labs
    assert labs["integrate-same-region"].max_points == 10


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ("level: Beginner", "level: Easy", "level: Easy", "'level' must be one of Beginner"),
        ("duration: 15", "duration: fifteen", "duration: fifteen", "'duration' must be a whole number"),
        ("        points: 3\n", "        points: 3\n        colour: red\n", "colour: red", "unknown key 'colour'"),
        ("  - method: PUT\n", "  - method: POST\n", "method: POST", "'method' must be one of PUT, PATCH, DELETE"),
        (
            "        rules: [ASVI-24]",
            "        rules: [delegation]",
            "rules: [delegation]",
            "'delegation' is not a rule ID",
        ),
        ("  - exam: AZ-104", "  - exam: AZ-900", "exam: AZ-900", "'exam' must be one of AZ-104"),
        ("eras: [classic, current]", "eras: [classic, modern]", "eras:", "'eras' takes classic, current"),
    ],
)
def test_a_malformed_lab_names_the_line_and_the_problem(old, new, needle, message):
    text = broken(old, new)
    with pytest.raises(LabError) as error:
        parse(text, "labs/catalog/x.yaml")
    assert error.value.where == f"labs/catalog/x.yaml:{line_of(text, needle)}"
    assert message in error.value.message


def test_invalid_yaml_names_its_line():
    text = broken("summary: >", "summary: [unclosed")
    with pytest.raises(LabError) as error:
        parse(text, "labs/catalog/x.yaml")
    assert error.value.where.startswith("labs/catalog/x.yaml:") and "not valid YAML" in error.value.message


def test_a_key_given_twice_is_refused():
    text = broken("duration: 15", "duration: 15\nduration: 20")
    with pytest.raises(LabError, match="'duration' is given twice"):
        parse(text, "x.yaml")


def test_the_id_must_be_the_file_name():
    with pytest.raises(LabError, match="must be its file name"):
        parse(GOOD, "x.yaml", expected_id="another-lab")


def test_a_lab_without_a_behaviour_check_is_refused():
    start = GOOD.index("      - id: app-reaches-vm")
    end = GOOD.index("solution:")
    with pytest.raises(LabError, match="at least one behaviour check"):
        parse(GOOD[:start] + GOOD[end:], "x.yaml")


def test_a_scenario_needs_a_symptom_and_faults():
    with pytest.raises(LabError, match="needs a 'symptom'"):
        parse(broken("kind: lab", "kind: scenario"), "x.yaml")


def test_an_unknown_parameter_is_named(tmp_path):
    (tmp_path / "integrate-same-region.yaml").write_text(broken("${subnet.prefix}\n", "${subnetRange}\n"))
    with pytest.raises(LabError, match=r"'\$\{subnetRange\}' is used but is not one of the lab's parameters"):
        catalog.load.__wrapped__(tmp_path)


def test_an_unknown_parameter_in_a_checks_look_at_is_named_too(tmp_path):
    """A check's title, explain and look_at are read with the learner's
    values when it is graded: an unknown name there fails at load, not then."""
    text = broken("look_at: contoso-vnet > Subnets\n", "look_at: ${vnetName} > Subnets\n")
    (tmp_path / "integrate-same-region.yaml").write_text(text)
    with pytest.raises(LabError, match=r"'\$\{vnetName\}' is used but is not one of the lab's parameters"):
        catalog.load.__wrapped__(tmp_path)
