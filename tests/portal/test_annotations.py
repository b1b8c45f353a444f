"""Portal settings, "Show lab annotations": on by default; off, the body is
marked ``no-annotations`` and no rule ID (ASVI-24, SEED-10, ERR-05...) is
left in the visible text of the main blades, refusals included. On, every
refusal still names its rules."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.helpers import HX, app_url, subnet_of, vnet_of
from tests.helpers.nsgs import blade_url, make_nsg, rule_form
from tests.helpers.vnets import vnet_url

pytestmark = pytest.mark.django_db

RULE_ID = re.compile(r"\b[A-Z]+-\d+\b")
# What portal.css hides under body.no-annotations.
ANNOTATION_CLASSES = {"az-annotation", "az-rule"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class VisibleText(HTMLParser):
    """The text a page shows with annotations off: no script or style, and
    nothing inside an element of the annotation classes."""

    def __init__(self, hidden_classes: set[str]):
        super().__init__()
        self.hidden_classes = hidden_classes
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        hidden = tag in ("script", "style", "template") or bool(classes & self.hidden_classes)
        self.stack.append((tag, hidden or bool(self.stack and self.stack[-1][1])))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if not (self.stack and self.stack[-1][1]):
            self.parts.append(data)


def visible_text(html: str, *, annotations: bool = False) -> str:
    parser = VisibleText(set() if annotations else ANNOTATION_CLASSES)
    parser.feed(html)
    return " ".join(parser.parts)


def test_annotations_are_on_by_default_and_the_switch_turns_them_off(alice):
    page = alice.get(reverse("sandbox_settings")).content.decode()
    assert "Show lab annotations" in page and 'name="annotations" value="on" checked' in page
    assert "no-annotations" not in alice.get(reverse("home")).content.decode()
    assert alice.post(reverse("set_annotations"), {"annotations": ["off", "on"]}).status_code == 302
    assert alice.post(reverse("set_annotations"), {"annotations": "off"}).status_code == 302
    alice.sandbox.refresh_from_db()
    assert not alice.sandbox.show_annotations
    assert '<body class="no-annotations"' in alice.get(reverse("home")).content.decode()
    assert 'name="annotations" value="on">' in alice.get(reverse("sandbox_settings")).content.decode()
    assert alice.post(reverse("set_annotations"), {"annotations": ["off", "on"]}).status_code == 302
    alice.sandbox.refresh_from_db()
    assert alice.sandbox.show_annotations


@pytest.mark.parametrize("value", ["", "maybe", "x" * 300])
def test_bad_input_is_a_field_error_not_a_500(alice, value):
    response = alice.post(reverse("set_annotations"), {"annotations": value} if value else {})
    assert response.status_code == 422
    assert "Choose On or Off." in response.content.decode()
    alice.sandbox.refresh_from_db()
    assert alice.sandbox.show_annotations


def _blades(client) -> dict[str, str]:
    """The main blades, as their full pages, and three refusals (ERR-05 on a
    /29, ERR-25 on a priority, ERR-01 and ERR-10 on busy subnets)."""
    vnet = vnet_of(client, "contoso-vnet")
    nsg = make_nsg(client)
    pages = {
        name: client.get(url).content.decode()
        for name, url in {
            "home": reverse("home"),
            "all resources": reverse("all_resources"),
            "app overview": app_url(client, "overview", "contoso-web"),
            "app networking": app_url(client, "networking", "contoso-web"),
            "vnet integration": app_url(client, "vnet_integration", "contoso-web"),
            "configuration": app_url(client, "configuration", "contoso-web"),
            "scale up": app_url(client, "scale_up", "contoso-web"),
            "troubleshoot": app_url(client, "troubleshoot", "contoso-web") + "?host=10.0.1.4&port=443",
            "vnet": vnet_url(client, "vnet_overview"),
            "subnets": vnet_url(client, "vnet_subnets"),
            "nsg": blade_url(nsg, "nsg_overview"),
        }.items()
    }
    subnets = client.get(
        app_url(client, "add_vnet_details", "contoso-web"), {"vnet": vnet.pk, "subnet_mode": "existing"}, **HX
    )
    pages["busy subnets (ERR-01, ERR-10)"] = subnets.content.decode()
    tiny = subnet_of(client, "contoso-vnet", "tiny-subnet")
    refused = client.post(
        app_url(client, "add_vnet", "contoso-web"),
        {"vnet": vnet.pk, "subnet_mode": "existing", "subnet": tiny.pk},
        **HX,
    )
    assert refused.status_code == 422
    pages["refusal ERR-05"] = refused.content.decode()
    priority = client.post(blade_url(nsg, "nsg_rule_add", direction="outbound"), rule_form(priority="5000"), **HX)
    assert priority.status_code == 422
    pages["refusal ERR-25"] = priority.content.decode()
    return pages


def test_with_annotations_off_no_rule_id_is_visible_on_the_main_blades(alice):
    alice.post(reverse("set_annotations"), {"annotations": "off"})
    pages = _blades(alice)
    assert len(pages) >= 12
    # The rule IDs are in the pages, tagged, and the body hides the tags.
    assert RULE_ID.search(pages["refusal ERR-05"]) and RULE_ID.search(pages["busy subnets (ERR-01, ERR-10)"])
    assert '<body class="no-annotations"' in pages["app networking"]
    for name, html in pages.items():
        leaked = sorted(set(RULE_ID.findall(visible_text(html))))
        assert not leaked, f"{name} shows {leaked} with annotations off"


def test_with_annotations_on_refusals_still_name_their_rules(alice):
    pages = _blades(alice)
    assert "no-annotations" not in pages["home"]
    assert "ERR-05" in visible_text(pages["refusal ERR-05"], annotations=True)
    assert "ERR-25, NSG-02" in visible_text(pages["refusal ERR-25"], annotations=True)
    assert "ERR-10" in visible_text(pages["busy subnets (ERR-01, ERR-10)"], annotations=True)
