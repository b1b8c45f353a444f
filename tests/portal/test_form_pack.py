"""The "azure" crispy template pack (templates/azure/, portal/layout.py): a
field drawn as the portal draws it, with its required star, info balloon,
help and its error in Azure's style."""

from types import SimpleNamespace

from django import forms
from django.template import Context, Template
from django.test.html import parse_html

from portal.errors import AzureRuleError
from portal.forms import Problem
from portal.layout import RERENDER_WIZARD, AzField, Picker, helper


class ExampleForm(forms.Form):
    name = forms.CharField(required=False, max_length=80, label="Name")
    propagate = forms.ChoiceField(
        choices=[("Yes", "Yes"), ("No", "No")],
        initial="Yes",
        label="Propagate gateway routes",
        widget=forms.RadioSelect,
    )

    @property
    def helper(self):
        return helper(
            AzField("name", id="example-name", star=True, balloon="The name of the thing.", help="Letters only."),
            AzField("propagate", id="propagate", row=True),
        )


def _render(form: forms.Form, **context) -> str:
    return Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form, **context}))


def _has(html: str, fragment: str) -> bool:
    return parse_html(fragment) in parse_html(html)


def test_it_draws_a_required_label_with_its_star_and_info_balloon():
    html = _render(ExampleForm())
    assert _has(
        html,
        '<label for="example-name"><span class="required">Name</span>'
        '<span class="az-balloon" tabindex="0" role="img" aria-label="The name of the thing."'
        ' title="The name of the thing."><i class="bi bi-info-circle"></i></span></label>',
    )
    assert _has(html, '<input type="text" name="name" id="example-name" value="" maxlength="80">')
    assert _has(html, '<div class="az-field-help">Letters only.</div>')


def test_it_shows_a_problem_under_its_field_in_azures_style_with_the_rule():
    problems = {"name": Problem("A subnet named 'web' already exists.", "Learn more: SUBNET-04")}
    html = _render(ExampleForm({"name": "web", "propagate": "Yes"}), problems=problems)
    assert '<div class="az-field has-error">' in html
    assert _has(
        html,
        '<div class="az-field-error" role="alert"><i class="bi bi-x-circle-fill"></i>'
        "<span>A subnet named 'web' already exists. <span class=\"az-rule\">Learn more: SUBNET-04</span></span></div>",
    )


def test_a_field_without_a_problem_shows_no_error():
    html = _render(ExampleForm({"name": "web", "propagate": "No"}), problems={})
    assert "az-field-error" not in html
    assert "has-error" not in html


def test_a_form_without_a_problem_list_shows_its_own_field_error():
    html = _render(ExampleForm({"name": "x" * 81, "propagate": "Yes"}))
    assert '<div class="az-field has-error">' in html
    assert "Ensure this value has at most 80 characters (it has 81)." in html


def test_it_draws_radios_as_the_wizards_two_column_row():
    html = _render(ExampleForm({"name": "", "propagate": "No"}))
    assert _has(
        html,
        '<div class="az-form-row"><span class="az-label" id="propagate-label">Propagate gateway routes</span>'
        '<div class="az-form-control az-radio-row" id="propagate" role="radiogroup" aria-labelledby="propagate-label">'
        '<label><input type="radio" name="propagate" value="Yes" id="propagate-yes"> Yes</label>'
        '<label><input type="radio" name="propagate" value="No" id="propagate-no" checked> No</label>'
        "</div></div>",
    )


def test_as_crispy_field_draws_a_bound_fields_error_in_azures_style():
    form = ExampleForm({"name": "x" * 81, "propagate": "Yes"})
    html = Template("{% load crispy_forms_filters %}{{ form.name|as_crispy_field }}").render(Context({"form": form}))
    assert '<div class="az-field has-error">' in html
    assert _has(
        html,
        '<div class="az-field-error" role="alert"><i class="bi bi-x-circle-fill"></i>'
        "<span>Ensure this value has at most 80 characters (it has 81).</span></div>",
    )


class SwitchForm(forms.Form):
    name = forms.CharField(required=False, max_length=80, label="Name")
    enabled = forms.BooleanField(required=False, label="Enable virtual nodes")

    @property
    def helper(self):
        return helper(
            AzField("name", id="switch-name", readonly="existing"),
            AzField("enabled", id="enabled", label="Virtual nodes", help="Needs Azure CNI.", rule="AKS-04"),
            rows=True,
        )


def test_a_check_box_row_has_its_heading_and_its_text_beside_the_box():
    html = _render(SwitchForm({"enabled": "on"}))
    assert _has(
        html,
        '<div class="az-form-row"><span class="az-label">Virtual nodes</span><div class="az-form-control">'
        '<label class="d-flex gap-2 align-items-center fw-normal" for="enabled">'
        '<input type="checkbox" name="enabled" id="enabled" value="on" checked> Enable virtual nodes</label>'
        '<div class="az-field-help">Needs Azure CNI. <span class="az-rule">AKS-04</span></div></div></div>',
    )


def test_a_field_is_read_only_when_the_page_says_so():
    assert 'id="switch-name" value="" maxlength="80" readonly' in _render(SwitchForm(), existing=True)
    assert "readonly" not in _render(SwitchForm(), existing=False)


class ProtocolForm(forms.Form):
    protocol = forms.CharField(widget=forms.RadioSelect(choices=[("*", "Any"), ("Tcp", "TCP")]))

    @property
    def helper(self):
        return helper(AzField("protocol", id="protocol", option_ids="label", readonly="preset"))


def test_option_ids_can_follow_the_labels_where_a_value_is_no_word():
    html = _render(ProtocolForm({"protocol": "*"}))
    assert 'id="protocol-any"' in html and 'id="protocol-tcp"' in html


def test_a_read_only_radio_group_leaves_only_its_chosen_option_enabled():
    html = _render(ProtocolForm({"protocol": "Tcp"}), preset=("22", "Tcp"))
    assert _has(html, '<label><input type="radio" name="protocol" value="*" id="protocol-any" disabled> Any</label>')
    assert _has(html, '<label><input type="radio" name="protocol" value="Tcp" id="protocol-tcp" checked> TCP</label>')
    assert "readonly" not in html
    assert " disabled" not in _render(ProtocolForm({"protocol": "Tcp"}))


class SettingLikeForm(forms.Form):
    name = forms.CharField(required=False, label="Name")

    @property
    def helper(self):
        return helper(AzField("name", id="setting-name", error_id="name-error"))


def test_an_error_with_an_id_carries_the_refusals_rule_and_message_ids():
    refusal = AzureRuleError("Too many DNS servers.", rule_ids=("ASDNS-05",), err_id="ERR-47")
    html = _render(SettingLikeForm({"name": "x"}), problems={"name": refusal})
    assert _has(
        html,
        '<div class="az-field-error" id="name-error" data-rule="ASDNS-05" data-err="ERR-47" role="alert">'
        '<i class="bi bi-x-circle-fill"></i><span>Too many DNS servers. <span class="az-rule">Learn more: ERR-47, ASDNS-05</span></span></div>',
    )


class TrafficForm(forms.Form):
    access = forms.ChoiceField(
        choices=[("allow", "Allow (default)"), ("block", "Block all traffic")],
        initial="allow",
        label="Traffic to remote virtual network",
        widget=forms.RadioSelect,
    )

    @property
    def helper(self):
        return helper(AzField("access", id="local-access", stack=True))


def test_a_stacked_radio_group_puts_its_options_one_per_line():
    html = _render(TrafficForm())
    assert _has(
        html,
        '<div class="az-radio-stack"><label><input type="radio" name="access" value="allow" id="local-access-allow"'
        ' checked> Allow (default)</label><label><input type="radio" name="access" value="block"'
        ' id="local-access-block"> Block all traffic</label></div>',
    )
    assert "az-radio-row" not in html and "az-radio-row" in _render(ProtocolForm({"protocol": "Tcp"}))


class ProbeForm(forms.Form):
    destination_type = forms.ChoiceField(
        choices=[("vm", "Select a virtual machine"), ("manual", "Specify manually")], widget=forms.RadioSelect
    )
    host = forms.CharField(required=False, label="Host")

    @property
    def helper(self):
        return helper(
            AzField(
                "destination_type",
                id="destination-type",
                label="Destination",
                label_hidden=True,
                option_class="me-3 fw-normal",
            ),
            AzField("host", id="host", wrapper_class="mb-0 az-minw-340"),
        )


def test_a_group_headed_by_its_page_keeps_its_legend_for_screen_readers_and_styles_its_options():
    html = _render(ProbeForm({"destination_type": "manual"}))
    assert _has(html, '<legend class="az-label visually-hidden">Destination</legend>')
    assert _has(
        html,
        '<label class="me-3 fw-normal"><input type="radio" name="destination_type" value="manual"'
        ' id="destination-type-manual" checked> Specify manually</label>',
    )


def test_a_stacked_field_takes_its_width_from_a_class_as_the_csp_refuses_inline_styles():
    html = _render(ProbeForm())
    assert _has(
        html,
        '<div class="az-field mb-0 az-minw-340"><label for="host">Host</label>'
        '<input type="text" name="host" id="host" value=""></div>',
    )
    assert "visually-hidden" not in _render(ExampleForm()) and "<label class=" not in _render(ExampleForm())


class PickerForm(forms.Form):
    vnet = forms.CharField(required=False, label="Virtual network", widget=Picker(disabled=["2"]))
    method = forms.ChoiceField(choices=[("a", "First way."), ("b", "Second way.")], widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vnet"].widget.choices = [("", "Select a virtual network"), ("1", "hub"), ("2", "spoke")]

    @property
    def helper(self):
        return helper(
            AzField("vnet", id="link-vnet", star=True),
            AzField("method", id="method", stack=True, help="How."),
            rows=True,
        )


def test_a_picker_greys_out_the_options_it_is_told_to_and_keeps_the_posted_choice():
    html = _render(PickerForm({"vnet": "1", "method": "a"}))
    assert _has(html, '<option value="1" selected>hub</option>')
    assert _has(html, '<option value="2" disabled>spoke</option>')
    assert _has(html, '<option value="">Select a virtual network</option>')


def test_a_stacked_radio_group_in_a_wizard_row_puts_its_options_one_per_line():
    html = _render(PickerForm({"vnet": "", "method": "a"}))
    assert 'class="az-radio-row flex-column gap-0" id="method"' in html
    assert "flex-column" not in _render(ExampleForm())


class GroupedPickerForm(forms.Form):
    """A drop-down whose choices a sandbox decides, in groups, one option not pickable."""

    vnet = forms.ChoiceField(required=False, label="Virtual Network", widget=Picker)

    def __init__(self, data=None) -> None:
        super().__init__(data)
        self.fields["vnet"].choices = [
            ("", "Select a virtual network"),
            ("Same region", [("1", "hub-vnet"), ("2", "spoke-vnet - unavailable")]),
            ("Other regions", []),
        ]
        self.fields["vnet"].widget.disabled = {"2"}
        self.fields["vnet"].widget.groups = {"Same region": ("same", ""), "Other regions": ("other", "None elsewhere")}

    @property
    def helper(self):
        return helper(AzField("vnet", id="vnet-select", star=True, **{"hx-get": "/details"}))


def test_a_picker_draws_its_groups_disabled_options_and_an_empty_groups_line():
    html = _render(GroupedPickerForm({"vnet": "1"}))
    assert _has(
        html,
        '<select name="vnet" id="vnet-select" hx-get="/details"><option value="">Select a virtual network</option>'
        '<optgroup label="Same region" data-group="same"><option value="1" selected>hub-vnet</option>'
        '<option value="2" disabled>spoke-vnet - unavailable</option></optgroup>'
        '<optgroup label="Other regions" data-group="other"><option disabled>None elsewhere</option></optgroup></select>',
    )
    assert '<label for="vnet-select" class="required">Virtual Network</label>' in html


def test_a_pickers_options_are_each_forms_own():
    GroupedPickerForm().fields["vnet"].widget.disabled.add("1")
    assert "1" not in GroupedPickerForm().fields["vnet"].widget.disabled


class GatewayTypeForm(forms.Form):
    gateway_type = forms.ChoiceField(
        choices=[("Vpn", "VPN"), ("ExpressRoute", "ExpressRoute")], widget=forms.RadioSelect
    )

    @property
    def helper(self):
        return helper(AzField("gateway_type", id="gateway-type", option_ids={"ExpressRoute": "er"}))


def test_option_ids_can_be_named_value_by_value_the_others_following_their_values():
    html = _render(GatewayTypeForm({"gateway_type": "Vpn"}))
    assert 'id="gateway-type-vpn"' in html and 'id="gateway-type-er"' in html


class WizardPickerForm(forms.Form):
    vnet = forms.CharField(
        required=False, label="Virtual network", widget=forms.Select(choices=[("", "None"), ("7", "hub")])
    )

    @property
    def helper(self):
        return helper(AzField("vnet", id="vnet", **RERENDER_WIZARD), rows=True)


def test_a_wizard_picker_redraws_the_wizard_on_change():
    request = type("Request", (), {"path": "/create"})()
    html = _render(WizardPickerForm({"vnet": "7"}), request=request)
    assert _has(
        html,
        '<div class="az-form-row"><label for="vnet" class="az-label">Virtual network</label><div class="az-form-control">'
        '<select name="vnet" id="vnet" hx-post="/create" hx-trigger="change" hx-target="#create-wizard"'
        ' hx-swap="outerHTML" hx-vals=\'{"action": "stay"}\'>'
        '<option value="">None</option><option value="7" selected>hub</option></select></div></div>',
    )


class SuffixForm(forms.Form):
    name = forms.CharField()
    publish = forms.ChoiceField(
        choices=[("code", "Code"), ("docker", "Docker Container")],
        widget=forms.RadioSelect(attrs={}),
    )

    def __init__(self, data=None) -> None:
        super().__init__(data)
        self.fields["publish"].widget.disabled = {"docker": "Not simulated"}

    @property
    def helper(self):
        return helper(
            AzField(
                "name", id="name", suffix=".azurewebsites.net", after_template="aks/create_kubernetes.html#plugin-after"
            ),
            AzField("publish", id="publish"),
            rows=True,
        )


def test_a_suffix_joins_the_box_and_a_template_follows_its_error_before_its_help():
    html = _render(SuffixForm({"name": "web", "publish": "code"}))
    assert _has(
        html,
        '<div class="az-input-suffix"><input type="text" name="name" id="name" value="web">'
        '<span class="az-suffix">.azurewebsites.net</span></div>',
    )
    assert 'id="network-model-link"' in html


def test_a_radio_the_widget_disables_is_greyed_with_its_reason():
    html = _render(SuffixForm({"publish": "code"}))
    assert _has(
        html,
        '<label class="text-secondary" title="Not simulated"><input type="radio" name="publish" value="docker"'
        ' id="publish-docker" disabled> Docker Container</label>',
    )
    assert _has(html, '<label><input type="radio" name="publish" value="code" id="publish-code" checked> Code</label>')


class RichChoiceForm(forms.Form):
    vnet = forms.ChoiceField(widget=forms.RadioSelect, label="Virtual network")

    def __init__(self, data=None) -> None:
        super().__init__(data)
        gateway = SimpleNamespace(name="gw", p2s_address_pool="172.16.0.0/24")
        usable = SimpleNamespace(
            obj=SimpleNamespace(
                name="classic-a", address_space=["10.1.0.0/16"], region_label="East US", gateway=gateway
            ),
            enabled=True,
        )
        blocked = SimpleNamespace(
            obj=SimpleNamespace(name="classic-b", address_space=["10.2.0.0/16"], region_label="East US"),
            enabled=False,
            problem=SimpleNamespace(message="No gateway.", learn_more="Learn more: ERR-18"),
        )
        self.fields["vnet"].choices = [("1", usable), ("2", blocked)]
        self.fields["vnet"].widget.disabled = {"2": ""}

    @property
    def helper(self):
        options = "appservice/add_classic_vnet.html#classic-options"
        return helper(AzField("vnet", id="rich", star=True, choices_template=options))


def test_a_page_can_draw_a_radio_groups_rich_options_the_pack_keeping_legend_and_ids():
    html = _render(RichChoiceForm({"vnet": "1"}))
    assert '<legend class="az-label required">Virtual network</legend>' in html.replace("\n", "")
    assert _has(html, '<input type="radio" name="vnet" value="1" id="rich-1" checked>')
    assert _has(html, '<input type="radio" name="vnet" value="2" id="rich-2" disabled>')
    assert "Gateway 'gw' has point-to-site (172.16.0.0/24)." in html and "No gateway." in html
