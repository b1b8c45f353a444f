"""CLS-41: failed instructor sign-ins are limited per client address and per
account name, a minute at a time; past either limit every try, the right
password too, is refused with 429 and Retry-After, and nobody is signed in."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from classroom.models import JoinAttempt
from tests.classroom.conftest import PASSWORD

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html"}
SIGN_IN = reverse("classroom:sign_in")


def _try(client: Client, password: str, username: str = "dana", address: str = "198.51.100.7"):
    return client.post(SIGN_IN, {"username": username, "password": password}, REMOTE_ADDR=address, **HTML)


def _signed_in(client: Client) -> bool:
    return client.get(reverse("classroom:classes"), **HTML).status_code == 200


@override_settings(VNETLAB_SIGN_IN_FAILURES_PER_MINUTE=10, VNETLAB_SIGN_IN_FAILURES_PER_ACCOUNT_PER_MINUTE=100)
def test_cls_41_ten_failures_from_an_address_refuse_the_next_try_even_with_the_right_password(dana):
    client = Client()
    for i in range(10):
        assert _try(client, f"wrong-{i}").status_code == 200
    refused = _try(client, PASSWORD)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    html = refused.content.decode()
    assert 'data-rule="CLS-41"' in html and "tried to sign in too many times. Try again in" in html
    assert not _signed_in(client)
    # Another address is not held back by this one's failures.
    other = Client()
    assert _try(other, PASSWORD, address="198.51.100.8").status_code == 302


@override_settings(VNETLAB_SIGN_IN_FAILURES_PER_MINUTE=10, VNETLAB_SIGN_IN_FAILURES_PER_ACCOUNT_PER_MINUTE=100)
def test_cls_41_nine_failures_still_let_the_right_password_in(dana):
    client = Client()
    for i in range(9):
        _try(client, f"wrong-{i}")
    assert _try(client, PASSWORD).status_code == 302
    assert _signed_in(client)


@override_settings(VNETLAB_SIGN_IN_FAILURES_PER_MINUTE=100, VNETLAB_SIGN_IN_FAILURES_PER_ACCOUNT_PER_MINUTE=5)
def test_cls_41_failures_for_one_account_from_many_addresses_are_counted_together(dana):
    for i in range(5):
        _try(Client(), "wrong", username="DANA" if i % 2 else "dana", address=f"203.0.113.{i + 1}")
    assert _try(Client(), PASSWORD, address="203.0.113.99").status_code == 429
    # The minute passes: the account may try again.
    JoinAttempt.objects.update(at=JoinAttempt.objects.first().at - timedelta(seconds=61))
    client = Client()
    assert _try(client, PASSWORD, address="203.0.113.99").status_code == 302
    assert _signed_in(client)


def test_cls_41_no_account_name_or_address_is_stored_in_the_clear(dana):
    _try(Client(), "wrong", username="dana")
    keys = list(JoinAttempt.objects.values_list("key", flat=True))
    assert keys and not any("dana" in key or "198.51.100.7" in key for key in keys)
