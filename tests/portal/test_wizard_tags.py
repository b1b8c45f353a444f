"""Every create wizard's Tags tab (portal-ui §1.4: the tabs end with "Tags"
then "Review + create"): Name : Value rows checked by the Tags blade's rules
(TAG-01..05, portal/tags.py), refused on the Tags tab with the rule's ID,
and written onto the resource the wizard creates."""

import inspect
import json
import re
from html import unescape
from itertools import zip_longest

import pytest
from django.http import QueryDict
from django.urls import get_resolver, reverse
from django.utils.module_loading import import_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aks.forms import KubernetesWizard
from aks.models import ManagedCluster
from appservice.forms import WebAppWizard
from appservice.models import AppServicePlan
from networking.forms.vnets import VirtualNetworkWizard
from networking.models import NetworkSecurityGroup, VirtualNetwork, VirtualNetworkGateway
from portal.create_views import wizards
from portal.forms import REVIEW, TAGS, CreateWizard, ResourceGroupWizard, with_tags_tab
from portal.models import ActivityLogEntry
from portal.registry import registry
from portal.resources import resource_url
from portal.tags import clean_tags
from tests.helpers import gateways as gateway_helpers
from tests.helpers.aks import aks_subnets, finish_operations
from tests.helpers.aks import blade as aks_blade
from tests.helpers.aks import form as aks_form
from tests.helpers.aks import state as aks_state
from tests.portal.test_create_vnet import URL as VNET_URL
from tests.portal.test_create_vnet import form as vnet_form
from tests.portal.test_create_vnet import state as vnet_state

pytestmark = pytest.mark.django_db


def _query(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list | tuple):
            query.setlist(key, list(value))
        else:
            query[key] = value
    return query


def _tagged(data: dict, *rows: tuple[str, str]) -> dict:
    """The wizard's post with the Tags tab's rows, and its empty last row."""
    return {**data, "tag_name": [n for n, _ in rows] + [""], "tag_value": [v for _, v in rows] + [""]}


def _tab_labels(html: str) -> list[str]:
    return [
        label.strip()
        for label in re.findall(r'role="tab" id="tab-button-[^"]+"[^>]*>\s*(?:<span[^>]*></span>)?([^<]+)', html)
    ]


# --- every wizard ------------------------------------------------------------------------------


def _registered():
    return sorted(registry.wizards().items())


@pytest.mark.parametrize("era", ["classic", "current"])
@pytest.mark.parametrize("kind, path", _registered(), ids=[kind for kind, _ in _registered()])
def test_every_registered_wizard_has_tags_just_before_review_and_create(alice, era, kind, path):
    """portal-ui §1.4 item 3, in both eras (some wizards change their tabs per era)."""
    alice.sandbox.era = era
    alice.sandbox.save()
    wizard = import_string(path)(alice.sandbox)
    assert wizard.tabs[-2:] == (TAGS, (REVIEW, "Review + create")), kind
    assert [slug for slug, _ in wizard.tabs].count("tags") == 1
    html = alice.get(reverse("create_wizard", kwargs={"kind": kind})).content.decode()
    assert _tab_labels(html)[-2:] == ["Tags", "Review + create"], kind
    assert 'id="tab-tags"' in html and 'id="wizard-tag-grid"' in html and 'name="tag_name"' in html


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _wizard_pages(client) -> list[str]:
    """Every create wizard's page: the registry's, and the networking blades'
    ``*_create`` pages (opened in a resource group)."""
    kwargs = {"subscription_id": client.sandbox.subscriptions.get().subscription_id, "rg": "contoso-rg"}
    networking = get_resolver().namespace_dict["networking"][1].reverse_dict
    names = sorted(n for n in networking if isinstance(n, str) and n.endswith("_create"))
    return [
        *(reverse("create_wizard", kwargs={"kind": kind}) for kind in registry.wizards()),
        *(reverse(f"networking:{name}", kwargs=kwargs) for name in names),
    ]


@pytest.mark.parametrize("era", ["classic", "current"])
def test_every_wizard_page_ends_with_tags_then_review_and_create(alice, era):
    alice.sandbox.era = era
    alice.sandbox.save()
    pages = _wizard_pages(alice)
    assert len(pages) >= 17
    for url in pages:
        html = alice.get(url).content.decode()
        assert _tab_labels(html)[-2:] == ["Tags", "Review + create"], url
        assert html.count('id="tab-tags"') == 1 and 'id="wizard-tag-grid"' in html, url


@pytest.mark.parametrize("era", ["classic", "current"])
def test_every_wizard_class_has_tags_just_before_review_and_create(alice, era):
    alice.sandbox.era = era
    alice.sandbox.save()
    classes = [c for c in _subclasses(CreateWizard) if c.has_tags]
    assert len(classes) >= 15  # PaasWizard serves three pages
    for wizard_class in classes:
        params = inspect.signature(wizard_class.__init__).parameters.values()
        if any(p.kind is p.KEYWORD_ONLY and p.default is p.empty for p in params):
            continue  # opened with its product (PaasWizard): its pages are checked above
        assert wizard_class(alice.sandbox).tabs[-2:] == (TAGS, (REVIEW, "Review + create")), wizard_class


def test_the_tags_tab_is_added_once_and_only_before_review():
    tabs = (("basics", "Basics"), (REVIEW, "Review + create"))
    assert with_tags_tab(tabs) == (("basics", "Basics"), TAGS, (REVIEW, "Review + create"))
    assert with_tags_tab(with_tags_tab(tabs)) == with_tags_tab(tabs)
    assert with_tags_tab((("basics", "Basics"),)) == (("basics", "Basics"),)


def test_the_resource_group_wizard_has_no_tags_tab(alice):
    """The lab's resource groups carry no tags (docs/fidelity.md)."""
    assert TAGS not in ResourceGroupWizard(alice.sandbox).tabs
    assert "resourcegroup" in wizards()


def test_the_tags_tab_says_what_tags_are_and_names_its_rules(alice):
    html = alice.get(VNET_URL).content.decode()
    pane = html[html.index('id="tab-tags"') :]
    assert "Name</th>" in pane and "Value</th>" in pane
    assert "TAG-01, TAG-02, TAG-03, TAG-04, TAG-05" in pane
    assert "Next : IP Addresses &gt;" in html


# --- tags land on the created resource ---------------------------------------------------------


def test_a_tag_typed_on_the_tags_tab_lands_on_the_created_vnet(alice):
    wizard = VirtualNetworkWizard(alice.sandbox, _query(_tagged(vnet_form(alice), ("env", "lab"), ("Owner", "ops"))))
    vnet = wizard.step("create")
    assert vnet is not None, wizard.problems
    vnet.refresh_from_db()
    assert vnet.tags == {"env": "lab", "Owner": "ops"}


def test_a_tag_typed_on_the_tags_tab_lands_on_the_created_web_app(alice):
    data = {
        "subscription": str(alice.sandbox.subscriptions.get().subscription_id),
        "resource_group": "contoso-rg",
        "name": "lab-tagged-app",
        "publish": "code",
        "runtime_stack": "dotnet|5",
        "os": "Windows",
        "plan": str(AppServicePlan.objects.get(sandbox=alice.sandbox, name="contoso-s1-plan").pk),
        "current_tab": "tags",
    }
    wizard = WebAppWizard(alice.sandbox, _query(_tagged(data, ("env", "lab"))))
    app = wizard.step("create")
    assert app is not None, wizard.problems
    app.refresh_from_db()
    assert app.tags == {"env": "lab"}
    # The plan it runs on is not the wizard's resource: its tags stay as they were.
    assert app.plan.tags == {}


def test_a_tag_typed_on_the_tags_tab_lands_on_the_created_aks_cluster(alice):
    subnet = aks_subnets(alice)["aks-subnet"]
    wizard = KubernetesWizard(alice.sandbox, _query(_tagged(aks_form(alice, subnet), ("costcenter", "42"))))
    cluster = wizard.step("create")
    assert cluster is not None, wizard.problems
    cluster.refresh_from_db()
    assert cluster.tags == {"costcenter": "42"}


def test_review_lists_the_tags_and_create_shows_them_in_essentials_and_export(alice):
    data = _tagged(vnet_form(alice, name="tagged-vnet"), ("env", "lab"), ("", ""))
    review = alice.post(VNET_URL, data).content.decode()
    assert "Validation passed" in review
    section = review[review.index('<h2 class="az-wizard-section">Tags</h2>') :]
    assert "<dt>env</dt><dd>lab</dd>" in section
    response = alice.post(VNET_URL, {**data, "action": "create"})
    assert response.status_code == 302
    vnet = VirtualNetwork.objects.get(sandbox=alice.sandbox, name="tagged-vnet")
    overview = alice.get(resource_url(vnet)).content.decode()
    assert 'data-tag="env">env : lab</span>' in overview
    export = alice.get(
        reverse(
            "export_template",
            kwargs={
                "subscription_id": alice.sandbox.subscriptions.get().subscription_id,
                "rg": "contoso-rg",
                "provider": "Microsoft.Network",
                "type_name": "virtualNetworks",
                "name": "tagged-vnet",
            },
        )
    ).content.decode()
    body = re.search(r'<pre class="az-json" id="export-template-json"[^>]*>(.*?)</pre>', export, re.S).group(1)
    assert json.loads(unescape(body))["resources"][0]["tags"] == {"env": "lab"}
    # The create's own Activity log row covers the tags: no "Update resource tags" of its own.
    operations = ActivityLogEntry.objects.filter(sandbox=alice.sandbox, resource_id=vnet.arm_id)
    assert [e.operation_name for e in operations if "tags" in e.operation_name.lower()] == []


def test_an_aks_cluster_created_through_the_page_keeps_its_tags(alice):
    subnet = aks_subnets(alice)["aks-subnet"]
    data = _tagged(aks_form(alice, subnet, action="create"), ("env", "lab"))
    response = alice.post(reverse("create_wizard", kwargs={"kind": "kubernetes"}), data)
    assert response.status_code == 302
    # A long-running create: the tags are there while it runs and once it ends.
    assert ManagedCluster.objects.get(sandbox=alice.sandbox, name="lab-aks").tags == {"env": "lab"}
    finish_operations(alice)
    cluster = ManagedCluster.objects.get(sandbox=alice.sandbox, name="lab-aks")
    assert cluster.tags == {"env": "lab"}
    assert 'data-tag="env">env : lab</span>' in alice.get(resource_url(cluster)).content.decode()
    assert "&quot;env&quot;: &quot;lab&quot;" in alice.get(aks_blade(cluster, "json")).content.decode()  # JSON View


def test_a_long_running_gateway_create_keeps_its_tags_when_it_ends(alice):
    hub = gateway_helpers.make_vnet(alice, "hub-vnet", "10.50.0.0/16")
    data = {
        "subscription": str(alice.sandbox.subscriptions.get().subscription_id),
        "resource_group": "contoso-rg",
        "name": "hub-vpngw",
        "region": "eastus",
        "gateway_type": "Vpn",
        "vpn_type": "RouteBased",
        "sku": "VpnGw1",
        "generation": "Generation1",
        "vnet": str(hub.pk),
        "gateway_subnet_prefix": "10.50.255.0/27",
        "public_ip_name": "hub-vpngw-ip",
        "active_active": "Disabled",
        "bgp": "Disabled",
        "bgp_asn": "65515",
        "current_tab": "tags",
        "action": "create",
    }
    response = alice.post(gateway_helpers.create_url(alice, "gateway_create"), _tagged(data, ("env", "lab")))
    assert response.status_code == 302
    gateway_helpers.finish_operations(alice)
    assert VirtualNetworkGateway.objects.get(sandbox=alice.sandbox, name="hub-vpngw").tags == {"env": "lab"}


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rows, rule, field",
    [
        ((("env/prod", "lab"),), "TAG-05", "tag-name-0"),
        ((("", "orphan"),), "TAG-01", "tag-name-0"),
        ((("n" * 513, "x"),), "TAG-01", "tag-name-0"),
        ((("env", "v" * 257),), "TAG-02", "tag-value-0"),
        ((("env", "a"), ("ENV", "b")), "TAG-03", "tag-name-1"),
    ],
)
def test_an_invalid_tag_is_refused_on_the_tags_tab_and_nothing_is_created(alice, rows, rule, field):
    before = vnet_state(alice)
    for action in ("review", "create"):
        response = alice.post(VNET_URL, _tagged(vnet_form(alice, action=action), *rows))
        assert response.status_code == 422
        html = response.content.decode()
        assert "<strong>Tags:</strong>" in html and rule in html
        tab = re.search(r'<button[^>]*id="tab-button-tags"[^>]*>', html).group(0)
        assert "has-error" in tab  # the red dot, Azure style
        cell = html[html.index(f'id="{field}"') :]
        assert cell.index("az-field-error") < cell.index("</td>") and rule in cell[: cell.index("</td>")]
    assert vnet_state(alice) == before


def test_a_refused_tag_leaves_the_wizard_form_and_creates_nothing(alice):
    """The form itself: the rule lands on the row, create returns nothing."""
    wizard = VirtualNetworkWizard(alice.sandbox, _query(_tagged(vnet_form(alice), ("a?b", "x"))))
    before = vnet_state(alice)
    assert wizard.step("create") is None
    assert "TAG-05" in wizard.problems["tag_name_0"].learn_more
    assert [t["slug"] for t in wizard.tab_list if t["has_error"]] == ["tags"]
    assert vnet_state(alice) == before


def test_more_than_fifty_tags_are_refused_with_tag_04(alice):
    before = vnet_state(alice)
    rows = [(f"t{i}", "v") for i in range(60)]
    response = alice.post(VNET_URL, _tagged(vnet_form(alice, action="create"), *rows))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="tags-error"' in html and "TAG-04" in html
    assert vnet_state(alice) == before


def test_an_aks_cluster_with_a_bad_tag_is_not_created(alice):
    subnet = aks_subnets(alice)["aks-subnet"]
    before = aks_state(alice)
    response = alice.post(
        reverse("create_wizard", kwargs={"kind": "kubernetes"}),
        _tagged(aks_form(alice, subnet, action="create"), ("a<b", "x")),
    )
    assert response.status_code == 422 and "TAG-05" in response.content.decode()
    assert aks_state(alice) == before


@pytest.mark.parametrize(
    "names, values",
    [
        (["nul\x00name"], ["x"]),
        (["env"], ["nul\x00value"]),
        (["x" * 5000], ["y" * 5000]),
        (["a", "b", "c"], []),
        ([], ["lonely"]),
        ([f"n{i}" for i in range(300)], ["v"] * 300),
    ],
)
def test_malformed_tag_rows_never_answer_500(alice, names, values):
    before = vnet_state(alice)
    response = alice.post(VNET_URL, {**vnet_form(alice, action="create"), "tag_name": names, "tag_value": values})
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert vnet_state(alice) == before


def test_the_trash_button_removes_its_row(alice):
    data = _tagged(vnet_form(alice, current_tab="tags", action="remove_tag:0"), ("gone", "1"), ("kept", "2"))
    html = alice.post(VNET_URL, data).content.decode()
    assert 'data-tag="kept"' in html and 'data-tag="gone"' not in html
    # Typing in the empty last row and pressing Enter ("stay") brings a new empty row.
    html = alice.post(
        VNET_URL, _tagged(vnet_form(alice, current_tab="tags", action="stay"), ("a", "1"))
    ).content.decode()
    assert 'id="tag-name-1"' in html and 'data-tag="a"' in html


# --- fuzzing -----------------------------------------------------------------------------------

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
tag_texts = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.sampled_from(["env", "ENV", "a/b", "x\x00y", "n" * 513, "v" * 257, "名前", " "]),
)


@FUZZ
@given(
    rows=st.lists(st.tuples(tag_texts, tag_texts), max_size=6),
    extra_names=st.lists(tag_texts, max_size=2),
    action=st.sampled_from(["review", "create", "stay", "next", "remove_tag:0", "remove_tag:x", "remove_tag:99"]),
)
def test_fuzzed_tags_never_fail_and_a_create_writes_exactly_the_clean_tags(alice, rows, extra_names, action):
    """TAG-01..05 on any rows: 200/302/422 only; a refused create writes nothing."""
    data = {
        "subscription": str(alice.sandbox.subscriptions.get().subscription_id),
        "resource_group": "contoso-rg",
        "name": "fuzz-nsg",
        "region": "eastus",
        "current_tab": "tags",
        "action": action,
        "tag_name": [n for n, _ in rows] + extra_names,
        "tag_value": [v for _, v in rows],
    }
    before = NetworkSecurityGroup.objects.filter(sandbox=alice.sandbox).count()
    kwargs = {"subscription_id": alice.sandbox.subscriptions.get().subscription_id, "rg": "contoso-rg"}
    response = alice.post(reverse("networking:nsg_create", kwargs=kwargs), data)
    assert response.status_code in (200, 302, 422)
    created = NetworkSecurityGroup.objects.filter(sandbox=alice.sandbox, name="fuzz-nsg").first()
    if response.status_code != 302:
        assert NetworkSecurityGroup.objects.filter(sandbox=alice.sandbox).count() == before
        return
    posted = [
        (n, v) for n, v in zip_longest(data["tag_name"], data["tag_value"], fillvalue="") if n.strip() or v.strip()
    ]
    assert created.tags == clean_tags(posted)
    created.delete()
