"""The Labs hub, starting a lab, the panel docked beside every blade (Check
my work, hints that cost points, finishing) and the result page; another
sandbox's run is a 404, bad input never a 500 (LAB-01..03)."""

import pytest
from django.urls import reverse

from appservice.models import WebApp
from labs.models import LabRun
from networking.models import Subnet
from tests.helpers import HX, app_url

pytestmark = pytest.mark.django_db

LAB = "integrate-same-region"


def start(client) -> LabRun:
    response = client.post(reverse("labs:start", args=[LAB]))
    assert response.status_code == 302
    return LabRun.objects.get(sandbox=client.sandbox, finished_at__isnull=True)


def test_the_portal_menu_leads_to_the_hub(alice):
    response = alice.get(reverse("labs_page"))
    assert response.status_code == 302 and response["Location"] == reverse("labs:hub")
    assert 'id="menu-labs"' in alice.get(reverse("home")).content.decode()


def test_the_hub_lists_labs_and_filters_them(alice):
    html = alice.get(reverse("labs:hub")).content.decode()
    assert f'data-lab="{LAB}"' in html and "Not started" in html
    assert f'data-lab="{LAB}"' in alice.get(reverse("labs:hub"), {"exam": "AZ-204"}).content.decode()
    assert f'data-lab="{LAB}"' not in alice.get(reverse("labs:hub"), {"exam": "AZ-700"}).content.decode()
    assert f'data-lab="{LAB}"' not in alice.get(reverse("labs:hub"), {"kind": "scenario"}).content.decode()
    assert f'data-lab="{LAB}"' in alice.get(reverse("labs:hub"), {"topic": "seed-10"}).content.decode()
    # Nonsense filters are ignored, never a 500.
    assert alice.get(reverse("labs:hub"), {"exam": "x" * 500, "duration": "%00"}).status_code == 200


def test_a_tampered_lab_id_is_a_404(alice):
    assert alice.get(reverse("labs:detail", args=["no-such-lab"])).status_code == 404
    assert alice.post(reverse("labs:start", args=["no-such-lab"])).status_code == 404


def test_starting_resets_the_sandbox_with_the_learners_own_names(alice):
    run = start(alice)
    assert WebApp.objects.filter(sandbox=alice.sandbox, name=run.params["appName"]).exists()
    assert not WebApp.objects.filter(sandbox=alice.sandbox, name="contoso-web").exists()
    html = alice.get(reverse("home")).content.decode()
    assert 'id="lab-panel"' in html and "Task 0 of 1 complete" in html
    assert run.params["appName"] in html  # the instructions carry the learner's values


def test_the_panel_follows_the_learner_to_every_blade(alice):
    run = start(alice)
    app = WebApp.objects.get(sandbox=alice.sandbox, name=run.params["appName"])
    assert 'id="lab-panel"' in alice.get(app_url(app, "networking")).content.decode()
    assert 'id="lab-panel"' in alice.get(reverse("all_resources")).content.decode()


def test_check_my_work_grades_what_was_built(alice):
    run = start(alice)
    before = alice.post(reverse("labs:check", args=[run.pk]), **HX).content.decode()
    assert "Task 0 of 1 complete" in before and "ASVI-24" in before
    app = WebApp.objects.get(sandbox=alice.sandbox, name=run.params["appName"])
    response = alice.post(
        app_url(app, "add_vnet"),
        {
            "vnet": Subnet.objects.get(vnet__sandbox=alice.sandbox, name="integration-subnet").vnet_id,
            "subnet_mode": "new",
            "subnet_name": run.params["subnet"]["name"],
            "subnet_prefix": run.params["subnet"]["prefix"],
        },
        **HX,
    )
    assert response.status_code == 200
    after = alice.post(reverse("labs:check", args=[run.pk]), **HX).content.decode()
    assert "Task 1 of 1 complete" in after and 'data-percent="100"' in after


def test_a_change_in_the_portal_regrades_the_run_on_its_own(alice):
    run = start(alice)
    app = WebApp.objects.get(sandbox=alice.sandbox, name=run.params["appName"])
    vnet_id = Subnet.objects.get(vnet__sandbox=alice.sandbox, name="integration-subnet").vnet_id
    alice.post(
        app_url(app, "add_vnet"),
        {
            "vnet": vnet_id,
            "subnet_mode": "new",
            "subnet_name": run.params["subnet"]["name"],
            "subnet_prefix": run.params["subnet"]["prefix"],
        },
        **HX,
    )
    run.refresh_from_db()
    assert sorted(run.passed) == ["app-integrated", "app-reaches-vm", "subnet-delegated"]
    assert "Task 1 of 1 complete" in alice.get(reverse("home")).content.decode()


def test_a_hint_costs_points_and_says_so_lab_02(alice):
    run = start(alice)
    html = alice.get(reverse("labs:panel", args=[run.pk]), **HX).content.decode()
    assert "Show hint 1 (costs 2 points)" in html
    shown = alice.post(reverse("labs:hint", args=[run.pk]), {"task": 0, "hint": 0}, **HX).content.decode()
    assert "Microsoft.Web/serverFarms" in shown and "hints −2" in shown
    again = alice.post(reverse("labs:hint", args=[run.pk]), {"task": 0, "hint": 0}, **HX).content.decode()
    assert again.count("hints −2") == 1  # once only
    run.refresh_from_db()
    assert run.hints == ["0-0"]


@pytest.mark.parametrize("data", [{"task": 5, "hint": 0}, {"task": 0, "hint": 9}, {"task": "x"}, {}])
def test_a_hint_that_doesnt_exist_is_refused_lab_02(alice, data):
    run = start(alice)
    response = alice.post(reverse("labs:hint", args=[run.pk]), data, **HX)
    assert response.status_code == 422 and "LAB-02" in response.content.decode()
    run.refresh_from_db()
    assert run.hints == []


def test_finishing_shows_the_result_with_each_check_explained(alice):
    run = start(alice)
    response = alice.post(reverse("labs:finish", args=[run.pk]))
    assert response.status_code == 302
    html = alice.get(response["Location"]).content.decode()
    assert "Not passed: 0%" in html and "isn&#x27;t delegated" in html
    assert 'data-check="app-reaches-vm"' in html
    assert 'id="lab-panel"' not in alice.get(reverse("home")).content.decode()
    refused = alice.post(reverse("labs:hint", args=[run.pk]), {"task": 0, "hint": 0}, **HX)
    assert refused.status_code == 422 and "LAB-01" in refused.content.decode()


def test_finishing_from_the_panel_loads_the_result_page_whole(alice):
    run = start(alice)
    response = alice.post(reverse("labs:finish", args=[run.pk]), **HX)
    assert response["HX-Redirect"] == reverse("labs:result", args=[run.pk])


def test_another_learners_run_is_a_404(alice, bob):
    run = start(bob)
    for name in ("labs:panel", "labs:result"):
        assert alice.get(reverse(name, args=[run.pk])).status_code == 404
    for name in ("labs:check", "labs:finish", "labs:hint"):
        assert alice.post(reverse(name, args=[run.pk]), {"task": 0, "hint": 0}).status_code == 404
    run.refresh_from_db()
    assert run.finished_at is None and run.hints == []


def test_starting_another_lab_abandons_the_one_in_progress(alice):
    first = start(alice)
    second = start(alice)
    first.refresh_from_db()
    assert first.abandoned and first.finished_at is not None and second.pk != first.pk
