"""``manage.py validate_labs``: every lab's start and reference solution, in
each era it allows, and a malformed lab stopping it with file and line."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from labs import catalog

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_lab_in_the_catalog_validates():
    out = StringIO()
    call_command("validate_labs", stdout=out)
    labs = catalog.load()
    scenarios = sum(1 for lab in labs.values() if lab.kind == "scenario")
    lines = out.getvalue().splitlines()
    assert lines[-1] == f"{len(labs) - scenarios} labs, {scenarios} scenarios: all reference solutions pass"
    assert sum(len(lab.eras) for lab in labs.values()) == len([line for line in lines if line.startswith("ok ")])


def test_an_unknown_lab_is_refused():
    with pytest.raises(CommandError, match="No lab 'nope'"):
        call_command("validate_labs", "--lab", "nope", stdout=StringIO())


def test_a_lab_whose_solution_is_wrong_fails_with_the_check_named(monkeypatch):
    lab = catalog.get("integrate-same-region")
    broken = type(lab)(**{**lab.__dict__, "solution": lab.solution[:1]})
    monkeypatch.setattr(catalog, "load", lambda: {lab.id: broken})
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("validate_labs", stdout=out)
    assert "check 'app-integrated' fails after the solution" in str(error.value)
    assert "FAIL integrate-same-region (lab, classic)" in out.getvalue()
