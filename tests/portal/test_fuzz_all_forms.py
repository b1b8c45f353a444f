"""Every form the portal draws, fuzzed (issue #12: no 500 from any input).

The forms are found by walking a sandbox with the full network seed
(tests/fuzz/forms.py): every page's <form>, every pane its links open,
every button posting on its own. Each is sent the hostile values of
tests/fuzz/payloads.py (NUL characters, integers past a database
integer's range, 10,000-character text, lists where one value is
expected, missing fields): never a 500, and a refusal (4xx) leaves every
row of the sandbox as it was. A bounded number of examples keeps it fit
for both databases in `make test`; `make fuzz` sends ten thousand.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.services import complete_due_operations
from tests.fuzz import forms as fuzz_forms
from tests.fuzz import payloads, state

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def _fetcher(client):
    def fetch(method, url, data, hx):
        headers = {"HTTP_HX_REQUEST": "true"} if hx else {}
        call = client.post if method == "POST" else client.get
        response = call(url, data or {}, **headers)
        text = response.content.decode(errors="replace") if response.get("Content-Type", "").startswith("text") else ""
        return response.status_code, text

    return fetch


@pytest.fixture
def learner(carol):
    """Carol, her writes counted while the test runs."""
    with state.Writes() as writes:
        carol.writes = writes
        yield carol


def _endpoints(client) -> list[fuzz_forms.Endpoint]:
    if not hasattr(client, "endpoints"):
        client.endpoints = fuzz_forms.discover(_fetcher(client), max_pages=300)
    return client.endpoints


def _send(client, endpoint, data) -> None:
    """Send ``data``: never a 500, and a refusal leaves every row as it was.
    The rows are compared only when the request wrote (a refusal rolled
    back in a transaction did); the operations earlier requests started are
    finished first, as if their time were up, so the next request's shell
    doesn't finish them under the refusal."""
    complete_due_operations(client.sandbox, now=timezone.now() + timedelta(days=1))
    if getattr(client, "known", (None,))[0] != client.writes.count:
        client.known = (client.writes.count, state.fingerprint())
    status, _ = _fetcher(client)(endpoint.method, endpoint.url, data, endpoint.hx)
    shown = {name: repr(value)[:60] for name, value in data.items()}
    assert status < 500, f"{status} from {endpoint.method} {endpoint.url} {shown}"
    if 400 <= status < 500 and client.writes.count != client.known[0]:
        after = state.fingerprint()
        moved = state.changed(client.known[1], after)
        assert not moved, f"{status} from {endpoint.method} {endpoint.url} {shown} changed {moved}"
        client.known = (client.writes.count, after)


def test_every_form_takes_hostile_values_and_the_walk_finds_every_apps_forms(learner):
    """Each endpoint, every field at once set to one hostile value, then
    lists where one value is expected, then nothing at all; first, the walk
    reached the create wizards and the blades' panes of each app."""
    endpoints = _endpoints(learner)
    routes = {e.route for e in endpoints}
    assert len(routes) >= 60, sorted(routes)
    for needle in ("create/", "Microsoft.Web", "virtualNetworks", "networkSecurityGroups", "storageAccounts", "labs/"):
        assert any(needle in route for route in routes), needle
    for hostile in ("a\x00b", payloads.HUGE, "x" * 10_000):
        for endpoint in endpoints:
            _send(learner, endpoint, {name: hostile for name in endpoint.fields})
    for endpoint in endpoints:
        _send(
            learner,
            endpoint,
            {name: [*samples[:1], "\x00", payloads.HUGE] for name, samples in endpoint.fields.items()},
        )
        _send(learner, endpoint, {})


@FUZZ
@given(data=st.data())
def test_random_forms_with_random_values(learner, data):
    """Each example: one endpoint, its fields drawn from the values the page
    offered mixed with hostile ones (one field at a time reaches deeper code
    than all fields at once)."""
    endpoint = data.draw(st.sampled_from(_endpoints(learner)))
    _send(learner, endpoint, data.draw(payloads.form_data(endpoint.fields)))
