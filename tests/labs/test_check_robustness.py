"""Issue #11, "Bad input never answers 500": checking a lab whose resources
the learner deleted through the portal says "not done" with why; two tabs
pressing Check my work at once get the same score and the run keeps one
consistent grade; a tampered run or lab id is a 404 (LAB-01, LAB-02)."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from appservice.models import WebApp
from labs import services
from labs.models import LabRun
from networking.models import NetworkSecurityGroup, Subnet, VirtualNetwork
from tests.helpers import HX, app_url, persona
from tests.helpers.nsgs import blade_url
from tests.helpers.vnets import subnet_url

SCENARIO = "nsg-deny-integration"
LAB = "integrate-same-region"


def start(client, lab_id: str) -> LabRun:
    response = client.post(reverse("labs:start", args=[lab_id]))
    assert response.status_code == 302
    return LabRun.objects.get(sandbox=client.sandbox, finished_at__isnull=True)


def the_nsg(client, run: LabRun) -> NetworkSecurityGroup:
    return NetworkSecurityGroup.objects.select_related("resource_group__subscription").get(
        sandbox=client.sandbox, name=run.params["nsgName"]
    )


def delete_the_bad_rule(client, run: LabRun) -> None:
    """The fix, as the NSG blade's rule "Delete" > "Yes" posts it."""
    nsg = the_nsg(client, run)
    url = blade_url(nsg, "nsg_rule_delete", rule=run.params["badRule"]["name"])
    assert client.post(url, **HX).status_code == 200


def check(client, run: LabRun):
    return client.post(reverse("labs:check", args=[run.pk]), **HX)


# --- Checking a lab whose resources the learner deleted -------------------------------------------


@pytest.mark.django_db
def test_checking_after_the_learner_deleted_the_nsg_says_not_done_and_why_nsg_20(alice):
    """Subnets > Dissociate, then Delete > Yes, both through the NSG's blades:
    Check my work answers 200, the checks that read the NSG fail with
    "doesn't exist (was it deleted or renamed?)" and the run isn't passed."""
    run = start(alice, SCENARIO)
    nsg = the_nsg(alice, run)
    subnet = Subnet.objects.get(
        vnet__sandbox=alice.sandbox, vnet__name="contoso-spoke-vnet", name="app-integration-subnet"
    )
    dissociate = blade_url(nsg, "nsg_subnet_dissociate", subnet_id=subnet.pk)
    assert alice.post(dissociate, **HX).status_code == 200
    assert alice.post(blade_url(nsg, "nsg_delete"), **HX).status_code == 200
    assert not NetworkSecurityGroup.objects.filter(pk=nsg.pk).exists()

    response = check(alice, run)
    assert response.status_code == 200
    html = response.content.decode()
    assert "doesn&#x27;t exist (was it deleted or renamed?)" in html
    assert f"{run.params['nsgName']} has a rule" not in html
    run.refresh_from_db()
    assert {"no-allow-any-any", "nsg-still-on-subnet", "internet-still-denied"}.isdisjoint(run.passed)
    assert "doesn't exist (was it deleted or renamed?)" in run.found["no-allow-any-any"]
    progress = services.progress(run)
    assert not progress.passed and "NSG-11" in html  # the failed check's rules, outside exam mode

    finished = alice.post(reverse("labs:finish", args=[run.pk]))
    assert finished.status_code == 302
    result = alice.get(finished["Location"])
    assert result.status_code == 200 and "Not passed" in result.content.decode()


@pytest.mark.django_db
def test_checking_after_the_learner_deleted_the_new_subnet_says_why_asvi_24(alice):
    """A guided lab: the learner integrates with a new subnet, then
    disconnects (VNet integration > Disconnect) and deletes the subnet (the
    VNet's Subnets > Delete): Check my work says the subnet doesn't exist."""
    run = start(alice, LAB)
    app = WebApp.objects.get(sandbox=alice.sandbox, name=run.params["appName"])
    vnet = VirtualNetwork.objects.select_related("resource_group__subscription").get(
        sandbox=alice.sandbox, name="contoso-vnet"
    )
    name, prefix = run.params["subnet"]["name"], run.params["subnet"]["prefix"]
    added = alice.post(
        app_url(app, "add_vnet"),
        {"vnet": vnet.pk, "subnet_mode": "new", "subnet_name": name, "subnet_prefix": prefix},
        **HX,
    )
    assert added.status_code == 200
    assert "Task 1 of 1 complete" in check(alice, run).content.decode()
    assert alice.post(app_url(app, "disconnect"), **HX).status_code == 200
    delete = subnet_url(alice, name, delete=True)
    assert alice.post(delete, **HX).status_code == 200
    assert not Subnet.objects.filter(vnet=vnet, name=name).exists()

    response = check(alice, run)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Task 0 of 1 complete" in html
    assert f"&#x27;contoso-vnet/{name}&#x27; doesn&#x27;t exist (was it deleted or renamed?)" in html
    assert "ASVI-24" in html


# --- Two tabs pressing Check my work at once ------------------------------------------------------


def _same_sandbox(client: Client) -> Client:
    """A second tab: the same session cookie, hence the same sandbox."""
    other = Client()
    other.cookies = client.cookies
    other.sandbox = client.sandbox
    return other


def _at_once(*calls):
    """Run the calls in threads released together; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            answers[index] = call()
        except Exception as error:  # noqa: BLE001 - the test reports it
            answers[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def _score(html: str) -> tuple[str, str]:
    start = html.index('data-percent="') + len('data-percent="')
    percent = html[start : html.index('"', start)]
    score = html[html.index("Score ") : html.index(" · pass mark")]
    return percent, score


@pytest.mark.django_db(transaction=True)
def test_two_tabs_pressing_check_at_once_get_the_same_score():
    """Both answers show the same score, and the run stores one grade that
    matches them: the grade is a function of the estate, and each write
    of it is one UPDATE of the grade's own fields."""
    tab = persona(Client())
    other = _same_sandbox(tab)
    run = start(tab, SCENARIO)
    delete_the_bad_rule(tab, run)  # the fix: the stored grade is now behind the estate
    LabRun.objects.filter(pk=run.pk).update(points=0, passed=[], found={}, graded_at=None)

    answers = _at_once(lambda: check(tab, run), lambda: check(other, run))
    for answer in answers:
        assert not isinstance(answer, Exception), answer
        assert answer.status_code == 200
    first, second = (a.content.decode() for a in answers)
    assert _score(first) == _score(second) == ("100", "Score 20 / 20")
    run.refresh_from_db()
    assert run.points == 20 and run.graded_at is not None
    assert sorted(run.passed) == sorted(c.id for c in services.lab_of(run).checks)
    assert run.found == {}


@pytest.mark.django_db(transaction=True)
def test_a_hint_taken_while_another_tab_checks_is_kept_and_costs_once_lab_02():
    """Check my work in one tab, Show hint in the other, at once: neither
    write loses the other's (the grade's fields vs the hints)."""
    tab = persona(Client())
    other = _same_sandbox(tab)
    run = start(tab, SCENARIO)
    delete_the_bad_rule(tab, run)
    hint = reverse("labs:hint", args=[run.pk])

    answers = _at_once(lambda: check(tab, run), lambda: other.post(hint, {"task": 0, "hint": 1}, **HX))
    for answer in answers:
        assert not isinstance(answer, Exception), answer
        assert answer.status_code == 200
    run.refresh_from_db()
    assert run.hints == ["0-1"] and run.points == 20
    after = check(tab, run).content.decode()
    assert _score(after) == ("90", "Score 18 / 20 (hints −2)")  # the hint's 2 points, once


# --- Tampered ids ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["abc", "-1", "1.5", "%00", "99999999999999999999999"])
def test_a_tampered_run_id_is_a_404(alice, pk):
    start(alice, LAB)
    for action in ("panel", "result"):
        assert alice.get(f"/labs/run/{pk}/{action}/").status_code == 404
    for action in ("check", "hint", "finish"):
        assert alice.post(f"/labs/run/{pk}/{action}/", {"task": 0, "hint": 0}, **HX).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("lab_id", ["NO-SUCH", "../etc", "a" * 300, "zone-not-linked%00"])
def test_a_tampered_lab_id_is_a_404(alice, lab_id):
    assert alice.get(f"/labs/{lab_id}/").status_code == 404
    assert alice.post(f"/labs/{lab_id}/start/").status_code == 404
    assert not LabRun.objects.filter(sandbox=alice.sandbox).exists()


@pytest.mark.django_db
def test_a_run_of_a_lab_no_longer_in_the_catalog_is_a_404(alice):
    run = start(alice, LAB)
    LabRun.objects.filter(pk=run.pk).update(lab_id="removed-lab")
    assert alice.get(reverse("labs:panel", args=[run.pk])).status_code == 404
    assert alice.post(reverse("labs:check", args=[run.pk]), **HX).status_code == 404
    assert alice.get(reverse("home")).status_code == 200  # the dock has no panel to show, not a 500


@pytest.mark.django_db
def test_another_sandboxs_exam_run_is_a_404(alice, bob):
    """A run of bob's exam, addressed from alice's sandbox: panel, check,
    hint, finish and result are all 404s, and bob's run is unchanged."""
    response = bob.post(reverse("labs:exam_setup"), {"exam": "AZ-104", "skill": "", "tasks": "1", "minutes": "30"})
    assert response.status_code == 302
    run = LabRun.objects.get(sandbox=bob.sandbox, mode=LabRun.EXAM, finished_at__isnull=True)
    graded_at = run.graded_at
    for name in ("labs:panel", "labs:result"):
        assert alice.get(reverse(name, args=[run.pk])).status_code == 404
    for name in ("labs:check", "labs:finish", "labs:hint"):
        assert alice.post(reverse(name, args=[run.pk]), {"task": 0, "hint": 0}, **HX).status_code == 404
    run.refresh_from_db()
    assert run.finished_at is None and run.graded_at == graded_at


@pytest.mark.django_db
def test_a_check_that_lands_after_finish_leaves_the_final_grade_lab_01(alice):
    """Tab A loaded the run, tab B pressed Finish, then the learner's fix and
    tab A's grade arrive: the finished run keeps the grade it finished with."""
    run = start(alice, SCENARIO)
    stale = LabRun.objects.get(pk=run.pk)  # tab A's copy, loaded before Finish
    assert alice.post(reverse("labs:finish", args=[run.pk])).status_code == 302
    run.refresh_from_db()
    final = (run.points, sorted(run.passed), run.graded_at)
    delete_the_bad_rule(alice, run)
    services.grade_run(stale)
    run.refresh_from_db()
    assert (run.points, sorted(run.passed), run.graded_at) == final and run.points == 12
    assert "Not passed: 60%" in alice.get(reverse("labs:result", args=[run.pk])).content.decode()
