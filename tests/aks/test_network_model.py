""""Which network model?": the seed's questions and a recommendation with
its reasons (SEED-26 to SEED-29; AKS-09 in the Current era)."""

import html as html_lib

from django.urls import reverse

HELPER = reverse("aks_network_model")
WIZARD = reverse("create_wizard", kwargs={"kind": "kubernetes"})

LIMITED_INSIDE = {"ip_space": "no", "traffic": "inside", "virtual_nodes_or_policy": "no", "windows": "no"}
ROOMY_OUTSIDE = {"ip_space": "yes", "traffic": "outside", "virtual_nodes_or_policy": "no", "windows": "no"}


def _current(client):
    client.sandbox.era = "current"
    client.sandbox.save()


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def test_it_opens_as_a_full_page_with_the_four_questions_and_no_answer_yet(alice):
    response = alice.get(HELPER)
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    page = _text(response)
    assert "<html" in page and "Which network model?" in page
    for question in (
        "Is IP address space available for every pod to take a VNet address?",
        "Where does most pod traffic go?",
        "Do you need virtual nodes or Azure Network Policy?",
        "Will the cluster run Windows Server nodes?",
    ):
        assert question in page
    assert "Answer the questions to see which model fits." in page
    assert 'id="recommended-model"' not in page
    assert 'id="kubenet-notice"' not in page  # AKS-09: no banner in the Classic era


def test_it_answers_htmx_with_the_form_only(alice):
    response = alice.get(HELPER, LIMITED_INSIDE, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = _text(response)
    assert "<html" not in page and page.lstrip().startswith('<form id="network-model"')


def test_it_recommends_kubenet_in_classic_when_space_is_short_and_traffic_stays_inside(alice):
    page = _text(alice.get(HELPER, LIMITED_INSIDE, HTTP_HX_REQUEST="true"))
    assert 'data-plugin="kubenet"' in page and 'id="recommended-model">Kubenet<' in page
    assert "Address space is limited: only the nodes take VNet addresses" in page
    assert "SEED-28, AKS-01" in page  # the reason carries its rule IDs
    assert "Most pod traffic stays inside the cluster" in page
    assert 'id="kubenet-notice"' not in page


def test_it_recommends_azure_cni_in_classic_for_windows_nodes_even_when_space_is_short(alice):
    page = _text(alice.get(HELPER, {**LIMITED_INSIDE, "windows": "yes"}))
    assert 'id="recommended-model">Azure CNI<' in page
    assert "Windows Server node pools, virtual nodes and Azure Network Policy need Azure CNI" in page
    assert "SEED-27, SEED-29, AKS-04" in page
    assert "size it with the IP planner" in page and "AKS-21" in page


def test_it_recommends_azure_cni_in_classic_when_space_is_available_and_traffic_leaves(alice):
    page = _text(alice.get(HELPER, ROOMY_OUTSIDE))
    assert 'id="recommended-model">Azure CNI<' in page
    assert "Most pod traffic goes to resources outside the cluster" in page and "SEED-29" in page


def test_in_the_current_era_it_shows_the_retirement_notice_and_recommends_overlay(alice):
    _current(alice)
    page = _text(alice.get(HELPER, LIMITED_INSIDE, HTTP_HX_REQUEST="true"))
    assert 'id="kubenet-notice"' in page and "31 March 2028" in page and "AKS-09" in page
    assert 'id="recommended-model">Azure CNI Overlay<' in page
    assert "Kubenet retires on 31 March 2028; Azure CNI Overlay is its successor" in page
    assert "AKS-09, AKS-42" in page and "AKS-30" in page
    assert ">Kubenet<" not in page and 'data-plugin="kubenet"' not in page


def test_in_the_current_era_roomy_outbound_answers_get_node_subnet_cni_with_overlay_also_fitting(alice):
    _current(alice)
    page = _text(alice.get(HELPER, ROOMY_OUTSIDE))
    assert 'id="recommended-model">Azure CNI Node Subnet<' in page
    assert "Azure CNI Overlay would also serve these answers." in page
    assert 'id="kubenet-notice"' in page


def test_it_waits_for_every_answer(alice):
    response = alice.get(HELPER, {"ip_space": "yes", "traffic": "inside"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = _text(response)
    assert "Answer the questions to see which model fits (2 left)." in page
    assert 'id="recommended-model"' not in page
    assert 'value="yes" id="question-ip_space-yes" checked' in page and 'value="inside" id="question-traffic-inside" checked' in page  # answers kept


def test_an_answer_not_offered_is_422_with_the_question_marked_not_500(alice):
    response = alice.get(HELPER, {**LIMITED_INSIDE, "windows": "sometimes"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    page = _text(response)
    assert 'has-error" id="question-windows"' in page
    assert "Choose one of the answers offered." in page
    assert 'id="recommended-model"' not in page
    assert "Fix the answers marked above" in page


def test_it_is_get_only(alice):
    assert alice.post(HELPER, LIMITED_INSIDE).status_code == 405


def test_the_wizards_networking_tab_links_to_it(alice):
    page = alice.get(WIZARD).content.decode()
    assert f'id="network-model-link" href="{HELPER}" hx-get="{HELPER}" hx-target="#context-pane"' in page
    assert "Which network model?" in page
