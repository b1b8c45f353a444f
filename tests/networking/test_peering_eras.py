"""The "Add peering" pane and a link's own pane in both eras (portal-ui §3.4,
docs/fidelity.md "Eras: blade by blade", Ruleset.peering_checkboxes): the
2021 pane's radio groups, the newer pane's "Remote/Local virtual network
summary" and four checkboxes per link. One form and one service: the same
settings are written, and every refusal (VNET-11, ERR-24, ASGW-12, ASVI-03,
ERR-22) lands on the control that draws its setting, with its rule ID."""

import re
from html import unescape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from networking.models import VirtualNetworkPeering
from networking.services import peerings
from networking.services.peerings import LinkSettings
from portal.eras import CLASSIC, CURRENT
from tests.helpers import HX, vnet_of
from tests.helpers.gateways import make_gateway, make_vnet, rg_of, vnet_url

pytestmark = pytest.mark.django_db

ERAS = ["classic", "current"]
CHECKBOXES = ("allow_access", "allow_forwarded", "transit", "use_remote")
# The control that draws a link's gateway setting, by era: (transit, use remote).
GATEWAY_CONTROLS = {"classic": ("gateway-field", "gateway-field"), "current": ("transit", "use-remote")}


def _era(client, era: str) -> None:
    client.sandbox.era = era
    client.sandbox.save(update_fields=["era"])


def _link(era: str, prefix: str, link: LinkSettings) -> dict:
    """One link's settings as the era's pane posts them: radio values, or
    the ticked boxes (an unticked one posts nothing) and the pane's marker."""
    if era == "classic":
        return {
            f"{prefix}access": "allow" if link.allow_access else "block",
            f"{prefix}forwarded": "allow" if link.allow_forwarded else "block",
            f"{prefix}gateway": "local" if link.transit else "remote" if link.use_remote else "none",
        }
    ticked = (link.allow_access, link.allow_forwarded, link.transit, link.use_remote)
    return {
        f"{prefix}boxes": "1",
        **{f"{prefix}{name}": "on" for name, on in zip(CHECKBOXES, ticked, strict=True) if on},
    }


def _form(
    client, era, remote, local: LinkSettings | None = None, theirs: LinkSettings | None = None, **overrides
) -> dict:
    data = {
        "name": "hub-to-spoke",
        "remote_name": "spoke-to-hub",
        "deployment_model": "arm",
        "subscription": str(rg_of(client).subscription.subscription_id),
        "remote_vnet": str(remote.pk),
        **_link(era, "", local or LinkSettings()),
        **_link(era, "remote_", theirs or LinkSettings()),
    }
    data.update(overrides)
    return data


def _control(era: str, ids: str, setting: str) -> str:
    transit, use_remote = GATEWAY_CONTROLS[era]
    return f"{ids}-{transit if setting == 'transit' else use_remote}"


def _links():
    return sorted(
        VirtualNetworkPeering.objects.values_list(
            "vnet__name",
            "name",
            "peering_state",
            "allow_virtual_network_access",
            "allow_forwarded_traffic",
            "allow_gateway_transit",
            "use_remote_gateways",
        )
    )


def _error_at(html: str, control_id: str) -> str:
    """The field error drawn in the wrapper of the control ``control_id``
    (its message, rule and ERR ids), or "" when it has none."""
    starts = [m.start() for m in re.finditer(r'<(?:div|fieldset) class="az-field(?: [^"]*)?"', html)]
    for start, end in zip(starts, [*starts[1:], len(html)], strict=True):
        chunk = html[start:end]
        if re.search(rf'\bid="{re.escape(control_id)}"', chunk):
            error = re.search(r'<div class="az-field-error".*?</span></div>', chunk, re.S)
            return unescape(error.group(0)) if error else ""
    raise AssertionError(f"no control {control_id}")


def _errors(html: str) -> int:
    return html.count('class="az-field-error"')


def _refused(client, vnet, data, control_id: str, *texts: str) -> str:
    """The pane answers 422 with one field error, under ``control_id``, and nothing is written."""
    before = _links()
    response = client.post(vnet_url(vnet, "peering_add"), data, **HX)
    html = response.content.decode()
    assert response.status_code == 422, html
    error = _error_at(html, control_id)
    for text in texts:
        assert text in error, (text, error)
    assert _errors(html) == 1, html
    assert _links() == before
    return error


def test_the_ruleset_draws_checkboxes_in_the_current_era_only():
    assert (CLASSIC.peering_checkboxes, CURRENT.peering_checkboxes) == (False, True)


# --- the newer pane's layout and labels ---------------------------------------------------------


def test_the_current_add_pane_has_the_two_summaries_and_checkboxes_naming_both_networks(alice, hub, spoke):
    _era(alice, "current")
    # As htmx redraws it when a virtual network is chosen (the form's values included).
    query = (
        f"?deployment_model=arm&remote_vnet={spoke.pk}&boxes=1&allow_access=on&remote_boxes=1&remote_allow_access=on"
    )
    html = unescape(alice.get(vnet_url(hub, "peering_add") + query, **HX).content.decode())
    remote, local = html.index("Remote virtual network summary"), html.index("Local virtual network summary")
    assert remote < html.index('id="remote-peering-name"') < local < html.index('id="peering-name"')
    for label in (
        "Allow 'spoke-vnet' to access 'hub-vnet'",
        "Allow 'spoke-vnet' to receive forwarded traffic from 'hub-vnet'",
        "Allow gateway or route server in 'spoke-vnet' to forward traffic to 'hub-vnet'",
        "Enable 'spoke-vnet' to use 'hub-vnet's' remote gateway or route server",
        "Allow 'hub-vnet' to access 'spoke-vnet'",
        "Allow 'hub-vnet' to receive forwarded traffic from 'spoke-vnet'",
        "Allow gateway or route server in 'hub-vnet' to forward traffic to 'spoke-vnet'",
        "Enable 'hub-vnet' to use 'spoke-vnet's' remote gateway or route server",
        "Peering link name",
        "Virtual network deployment model",
    ):
        assert label in html, label
    for old in ("This virtual network<", "Traffic to remote virtual network", "Use this virtual network's gateway"):
        assert old not in html, old
    assert 'name="remote_vnet" id="remote-vnet" hx-get=' in html
    # Only access is on by default (portal-ui §3.4 [newer]).
    for ids in ("local", "remote"):
        assert f'id="{ids}-allow-access" value="on" checked' in html
        for box in ("allow-forwarded", "transit", "use-remote"):
            assert f'id="{ids}-{box}" value="on">' in html


def test_the_current_pane_names_the_remote_generically_until_one_is_chosen(alice, hub):
    _era(alice, "current")
    html = unescape(alice.get(vnet_url(hub, "peering_add"), **HX).content.decode())
    assert "Allow 'hub-vnet' to access the remote virtual network" in html
    assert "Enable the remote virtual network to use 'hub-vnet's' remote gateway or route server" in html
    assert "Enable 'hub-vnet' to use the remote virtual network's remote gateway or route server" in html


def test_the_current_pane_says_which_checkbox_needs_a_gateway_vnet_11(alice, hub):
    _era(alice, "current")
    html = unescape(alice.get(vnet_url(hub, "peering_add"), **HX).content.decode())
    help_text = re.search(r'<span id="no-gateway-help">(.*?)</span></span>', html, re.S).group(1)
    assert "'hub-vnet' has no virtual network gateway" in help_text and "Allow gateway or route server in" in help_text
    assert "VNET-11" in help_text


def test_the_classic_pane_keeps_the_2021_sections_and_radio_groups(alice, hub):
    html = unescape(alice.get(vnet_url(hub, "peering_add"), **HX).content.decode())
    assert html.index("This virtual network<") < html.index("Remote virtual network<")
    assert "summary" not in html and 'type="checkbox" name="transit"' not in html
    assert "\"Use this virtual network's gateway\" isn't available" in html
    assert 'name="remote_vnet" id="remote-vnet">' in html  # no redraw on the choice: its labels name no network


def test_redrawing_the_current_pane_keeps_the_ticked_and_unticked_boxes(alice, hub, spoke):
    _era(alice, "current")
    query = f"?deployment_model=arm&remote_vnet={spoke.pk}&boxes=1&transit=on&remote_boxes=1"
    html = alice.get(vnet_url(hub, "peering_add") + query, **HX).content.decode()
    assert 'id="local-transit" value="on" checked' in html
    assert 'id="local-allow-access" value="on">' in html
    assert 'id="remote-allow-access" value="on">' in html


# --- adding a peering with the newer pane --------------------------------------------------------


def test_a_peering_added_with_the_current_pane_has_the_four_settings_on_both_sides_vnet_11(alice, hub, spoke):
    _era(alice, "current")
    make_gateway(alice, hub)
    mine = LinkSettings(allow_access=True, allow_forwarded=True, transit=False, use_remote=True)
    theirs = LinkSettings(allow_access=False, allow_forwarded=False, transit=True, use_remote=False)
    data = _form(alice, "current", hub, mine, theirs, name="spoke-to-hub", remote_name="hub-to-spoke")
    response = alice.post(vnet_url(spoke, "peering_add"), data, **HX)
    assert response.status_code == 200, response.content.decode()
    assert _links() == [
        ("hub-vnet", "hub-to-spoke", "Connected", False, False, True, False),
        ("spoke-vnet", "spoke-to-hub", "Connected", True, True, False, True),
    ]


def test_an_untouched_current_pane_peers_with_access_only(alice, hub, spoke):
    _era(alice, "current")
    data = _form(alice, "current", spoke, LinkSettings(allow_forwarded=False), LinkSettings(allow_forwarded=False))
    assert alice.post(vnet_url(hub, "peering_add"), data, **HX).status_code == 200
    assert _links() == [
        ("hub-vnet", "hub-to-spoke", "Connected", True, False, False, False),
        ("spoke-vnet", "spoke-to-hub", "Connected", True, False, False, False),
    ]


def test_a_classic_remote_in_the_current_pane_gets_one_link_asvi_03(alice, hub):
    _era(alice, "current")
    classic = vnet_of(alice, "legacy-classic-vnet")
    html = alice.get(vnet_url(hub, "peering_add") + "?deployment_model=classic", **HX).content.decode()
    assert 'id="classic-note"' in html and "remote_boxes" not in html
    data = _form(alice, "current", classic, LinkSettings(allow_forwarded=False), deployment_model="classic")
    # The classic pane draws no remote link: no name, no boxes, no marker.
    for name in [key for key in data if key.startswith("remote_") and key != "remote_vnet"]:
        del data[name]
    assert alice.post(vnet_url(hub, "peering_add"), data, **HX).status_code == 200
    assert _links() == [("hub-vnet", "hub-to-spoke", "Connected", True, False, False, False)]


def _peered_through_hub_gateway(alice, hub, spoke) -> None:
    make_gateway(alice, hub)
    peerings.add_peering(
        spoke,
        hub,
        name="s-h",
        remote_name="h-s",
        local=LinkSettings(use_remote=True),
        remote_settings=LinkSettings(allow_forwarded=False, transit=True),
    )


# --- refusals: the same rule, on the control of its setting, in both eras --------------------------


@pytest.mark.parametrize("era", ERAS)
def test_offering_a_gateway_this_vnet_lacks_is_refused_on_its_transit_control_vnet_11(alice, hub, spoke, era):
    _era(alice, era)
    data = _form(alice, era, spoke, local=LinkSettings(transit=True))
    _refused(
        alice, hub, data, _control(era, "local", "transit"), "'hub-vnet' has no virtual network gateway", "VNET-11"
    )


@pytest.mark.parametrize("era", ERAS)
def test_the_remote_link_offering_a_gateway_it_lacks_is_refused_on_its_transit_control_vnet_11(alice, hub, spoke, era):
    _era(alice, era)
    data = _form(alice, era, spoke, theirs=LinkSettings(transit=True))
    _refused(alice, hub, data, _control(era, "remote", "transit"), "'spoke-vnet' has no virtual network gateway")


@pytest.mark.parametrize("era", ERAS)
def test_using_the_remote_gateway_needs_its_transit_on_the_use_remote_control_vnet_11(alice, hub, spoke, era):
    _era(alice, era)
    make_gateway(alice, hub)
    data = _form(alice, era, hub, local=LinkSettings(use_remote=True))
    _refused(alice, spoke, data, _control(era, "local", "use_remote"), "must allow gateway transit", "VNET-11")


@pytest.mark.parametrize("era", ERAS)
def test_using_a_gateway_still_being_created_is_refused_on_the_use_remote_control_asgw_12(alice, hub, spoke, era):
    _era(alice, era)
    make_gateway(alice, hub, finished=False)
    data = _form(alice, era, hub, LinkSettings(use_remote=True), LinkSettings(transit=True))
    _refused(alice, spoke, data, _control(era, "local", "use_remote"), "still being created", "ASGW-12", "VNET-11")


@pytest.mark.parametrize("era", ERAS)
def test_a_vnet_with_its_own_gateway_is_refused_on_the_use_remote_control_vnet_11(alice, hub, spoke, era):
    _era(alice, era)
    make_gateway(alice, hub)
    make_gateway(alice, spoke)
    data = _form(alice, era, hub, LinkSettings(use_remote=True), LinkSettings(transit=True))
    _refused(alice, spoke, data, _control(era, "local", "use_remote"), "has its own virtual network gateway")


@pytest.mark.parametrize("era", ERAS)
def test_a_second_peering_using_remote_gateways_is_refused_on_the_use_remote_control_err_24(alice, hub, spoke, era):
    _era(alice, era)
    hub2 = make_vnet(alice, "hub2-vnet", "10.90.0.0/16")
    make_gateway(alice, hub2)
    _peered_through_hub_gateway(alice, hub, spoke)
    data = _form(alice, era, hub2, LinkSettings(use_remote=True), LinkSettings(transit=True), name="s-h2")
    error = _refused(alice, spoke, data, _control(era, "local", "use_remote"), "Only one peering of 'spoke-vnet'")
    assert 'data-err="ERR-24"' in error and "VNET-11" in error


@pytest.mark.parametrize("era", ERAS)
def test_gateway_transit_to_a_classic_vnet_is_refused_on_the_transit_control_asvi_03(alice, hub, era):
    _era(alice, era)
    make_gateway(alice, hub)
    classic = vnet_of(alice, "legacy-classic-vnet")
    data = _form(alice, era, classic, LinkSettings(transit=True), deployment_model="classic")
    _refused(alice, hub, data, _control(era, "local", "transit"), "classic virtual network", "ASVI-03")


@pytest.mark.parametrize("era", ERAS)
def test_overlapping_address_spaces_are_refused_on_the_virtual_network_err_22_vnet_15(alice, hub, era):
    _era(alice, era)
    overlap = make_vnet(alice, "overlap-vnet", "10.50.128.0/17")
    error = _refused(alice, hub, _form(alice, era, overlap), "remote-vnet", "can't be peered", "VNET-15")
    assert 'data-err="ERR-22"' in error


def test_both_gateway_boxes_on_one_link_are_refused_by_the_check_that_fails_vnet_11(alice, hub, spoke):
    """The newer pane lets a link offer its gateway and use the remote's at
    once; transit needs the link's own gateway, using the remote's needs
    none, so one of them is refused, on its own checkbox."""
    _era(alice, "current")
    both = LinkSettings(transit=True, use_remote=True)
    _refused(alice, hub, _form(alice, "current", spoke, both), "local-transit", "has no virtual network gateway")
    make_gateway(alice, hub)
    _refused(
        alice, hub, _form(alice, "current", spoke, both), "local-use-remote", "has its own virtual network gateway"
    )


# --- a link's own pane ----------------------------------------------------------------------------------


def test_the_current_edit_pane_shows_the_links_four_checkboxes_as_set(alice, hub, spoke):
    _era(alice, "current")
    _peered_through_hub_gateway(alice, hub, spoke)
    html = alice.get(vnet_url(hub, "peering_edit", peering="h-s"), **HX).content.decode()
    text = unescape(html)
    assert "Allow gateway or route server in 'hub-vnet' to forward traffic to 'spoke-vnet'" in text
    assert "Enable 'hub-vnet' to use 'spoke-vnet's' remote gateway or route server" in text
    assert "Traffic to remote virtual network" not in text
    assert 'id="edit-allow-access" value="on" checked' in html
    assert 'id="edit-allow-forwarded" value="on">' in html
    assert 'id="edit-transit" value="on" checked' in html
    assert 'id="edit-use-remote" value="on">' in html


def test_save_in_the_current_edit_pane_writes_the_ticked_boxes(alice, hub, spoke):
    _era(alice, "current")
    peerings.add_peering(
        hub, spoke, name="h-s", remote_name="s-h", local=LinkSettings(), remote_settings=LinkSettings()
    )
    url = vnet_url(hub, "peering_edit", peering="h-s")
    response = alice.post(url, _link("current", "", LinkSettings(allow_access=False, allow_forwarded=True)), **HX)
    assert response.status_code == 200
    assert ("hub-vnet", "h-s", "Connected", False, True, False, False) in _links()


def test_a_save_without_the_checkboxes_keeps_the_links_settings(alice, hub, spoke):
    """A stale pane of the other era posts radio values: the checkboxes weren't drawn, so nothing changes."""
    _peered_through_hub_gateway(alice, hub, spoke)
    _era(alice, "current")
    before = _links()
    url = vnet_url(hub, "peering_edit", peering="h-s")
    assert alice.post(url, {"access": "block", "forwarded": "allow", "gateway": "none"}, **HX).status_code == 200
    assert _links() == before


@pytest.mark.parametrize("era", ERAS)
def test_turning_off_transit_the_other_side_uses_is_refused_on_the_transit_control_vnet_11(alice, hub, spoke, era):
    _peered_through_hub_gateway(alice, hub, spoke)
    _era(alice, era)
    before = _links()
    response = alice.post(vnet_url(hub, "peering_edit", peering="h-s"), _link(era, "", LinkSettings()), **HX)
    html = response.content.decode()
    assert response.status_code == 422
    error = _error_at(html, _control(era, "edit", "transit"))
    assert "uses this virtual network's gateway" in error and "VNET-11" in error
    assert _links() == before


# --- whatever the newer pane is sent -----------------------------------------------------------------

box = st.one_of(st.none(), st.sampled_from(["on", "true", "false", "", "0"]), st.text(max_size=6))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(boxes=st.lists(box, min_size=10, max_size=10), model=st.sampled_from(["arm", "classic", "x"]))
def test_the_current_pane_never_errors_and_never_half_writes(alice, boxes, model):
    if not hasattr(alice, "pair"):
        _era(alice, "current")
        hub = make_vnet(alice, "fuzz-hub", "10.50.0.0/16")
        alice.pair = (hub, make_vnet(alice, "fuzz-spoke", "10.60.0.0/16"))
        make_gateway(alice, hub)
    hub, spoke = alice.pair
    names = ["boxes", *CHECKBOXES, "remote_boxes", *(f"remote_{name}" for name in CHECKBOXES)]
    data = _form(alice, "current", spoke, deployment_model=model)
    for name in names:
        data.pop(name, None)
    data.update({name: value for name, value in zip(names, boxes, strict=True) if value is not None})
    before = _links()
    response = alice.post(vnet_url(hub, "peering_add"), data, **HX)
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert _links() == before
    else:
        assert len(_links()) - len(before) == 2
        VirtualNetworkPeering.objects.all().delete()
