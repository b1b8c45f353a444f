"""`manage.py createinstructor`: the first instructor's account, from a
prompt or the environment; no public sign-up (issue #13, item 1)."""

import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from classroom.models import Instructor

pytestmark = pytest.mark.django_db

PASSWORD = "orange-peering-route-7"


def _run(*args, **options) -> str:
    out = io.StringIO()
    call_command("createinstructor", *args, stdout=out, **options)
    return out.getvalue()


def test_it_creates_an_instructor_who_can_sign_in_with_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("VNETLAB_INSTRUCTOR_PASSWORD", PASSWORD)
    out = _run("erin", "--email", "erin@example.com", "--noinput")
    assert "Instructor erin created" in out
    instructor = Instructor.objects.get(user__username="erin")
    assert instructor.user.email == "erin@example.com"
    assert not instructor.user.is_staff and not instructor.user.is_superuser
    assert authenticate(username="erin", password=PASSWORD) == instructor.user


def test_it_reads_the_password_from_the_variable_it_is_given(monkeypatch):
    monkeypatch.setenv("CLASS_PW", PASSWORD)
    _run("frank", "--password-from-env", "CLASS_PW")
    assert authenticate(username="frank", password=PASSWORD).instructor


def test_it_prompts_twice_for_the_password_on_a_terminal(monkeypatch):
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    _run("gina")
    assert authenticate(username="gina", password=PASSWORD).instructor


def test_it_refuses_passwords_that_do_not_match(monkeypatch):
    answers = iter([PASSWORD, "something-else-entirely"] * 3)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    with pytest.raises(CommandError, match="No password given"):
        _run("gina")
    assert not get_user_model().objects.filter(username="gina").exists()


def test_it_refuses_a_name_already_taken_in_any_letter_case(monkeypatch):
    monkeypatch.setenv("VNETLAB_INSTRUCTOR_PASSWORD", PASSWORD)
    _run("hana", "--noinput")
    with pytest.raises(CommandError, match="The name 'Hana' is taken"):
        _run("Hana", "--noinput")
    assert Instructor.objects.count() == 1


def test_it_says_which_variable_is_missing(monkeypatch):
    monkeypatch.delenv("VNETLAB_INSTRUCTOR_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="VNETLAB_INSTRUCTOR_PASSWORD is not set"):
        _run("ivan", "--noinput")
    with pytest.raises(CommandError, match="NOPE is not set"):
        _run("ivan", "--password-from-env", "NOPE")
    assert not get_user_model().objects.exists()


def test_it_refuses_a_weak_password_or_a_bad_name_with_the_reason(monkeypatch):
    monkeypatch.setenv("VNETLAB_INSTRUCTOR_PASSWORD", "12345678")
    with pytest.raises(CommandError, match="too common"):
        _run("jack", "--noinput")
    monkeypatch.setenv("VNETLAB_INSTRUCTOR_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="username: Enter a valid username"):
        _run("jack smith", "--noinput")
    with pytest.raises(CommandError, match="email: Enter a valid email address"):
        _run("jack", "--email", "not-an-address", "--noinput")
    with pytest.raises(CommandError, match="at most 150 characters"):
        _run("j" * 10_000, "--noinput")
    assert not get_user_model().objects.exists()


def test_it_says_how_to_give_a_password_without_a_terminal(monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    with pytest.raises(CommandError, match="--password-from-env"):
        _run("kim")
