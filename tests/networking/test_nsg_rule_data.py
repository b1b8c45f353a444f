"""The pure NSG rule data the engine shares (networking/engine/rules.py):
default rules, service tags, and how priorities, ports, addresses and names
are read."""

import pytest

from networking.engine import rules


def test_the_six_default_rules_have_azures_exact_names_priorities_and_actions_nsg_10_nsg_11():
    table = [(r.direction, r.name, r.priority, r.source, r.destination, r.access) for r in rules.DEFAULT_RULES]
    assert table == [
        ("Inbound", "AllowVnetInBound", 65000, "VirtualNetwork", "VirtualNetwork", "Allow"),
        ("Inbound", "AllowAzureLoadBalancerInBound", 65001, "AzureLoadBalancer", "0.0.0.0/0", "Allow"),
        ("Inbound", "DenyAllInBound", 65500, "0.0.0.0/0", "0.0.0.0/0", "Deny"),
        ("Outbound", "AllowVnetOutBound", 65000, "VirtualNetwork", "VirtualNetwork", "Allow"),
        ("Outbound", "AllowInternetOutBound", 65001, "0.0.0.0/0", "Internet", "Allow"),
        ("Outbound", "DenyAllOutBound", 65500, "0.0.0.0/0", "0.0.0.0/0", "Deny"),
    ]
    # NSG-11: not the Learn page's AllowVNetInBound / DenyAllInbound spellings.
    assert "AllowVNetInBound" not in rules.DEFAULT_RULE_NAMES and "DenyAllInbound" not in rules.DEFAULT_RULE_NAMES
    assert all(r.protocol == "*" and r.destination_ports == "0-65535" for r in rules.DEFAULT_RULES)


@pytest.mark.parametrize("text, expected", [("100", 100), ("4096", 4096), (" 250 ", 250)])
def test_it_reads_priorities_from_100_to_4096_nsg_02(text, expected):
    assert rules.parse_priority(text) == expected


@pytest.mark.parametrize("text", ["99", "4097", "5000", "0", "-1", "1e3", "", "abc", "65000", "１００"])
def test_it_refuses_priorities_outside_100_to_4096_nsg_02(text):
    with pytest.raises(rules.RuleProblem) as exc:
        rules.parse_priority(text)
    assert exc.value.rule_id == "NSG-02"


@pytest.mark.parametrize(
    "text, expected",
    [("*", ["*"]), ("80", ["80"]), ("80,443", ["80", "443"]), ("10000-10005", ["10000-10005"]), ("0-65535", ["0-65535"]), ("22, 3389", ["22", "3389"])],
)
def test_it_reads_single_ports_ranges_and_lists_nsg_07(text, expected):
    assert rules.parse_port_ranges(text) == expected


@pytest.mark.parametrize("text", ["", "65536", "100-50", "80,,443", "*,80", "http", "1-2-3", "-1", "80;443", "٨٠"])
def test_it_refuses_malformed_ports_nsg_07(text):
    with pytest.raises(rules.RuleProblem) as exc:
        rules.parse_port_ranges(text)
    assert exc.value.rule_id == "NSG-07"


def test_it_reads_ips_and_cidrs_and_refuses_host_bits_nsg_04():
    assert rules.parse_address_prefixes("10.0.1.4, 10.0.0.0/16") == ["10.0.1.4", "10.0.0.0/16"]
    with pytest.raises(rules.RuleProblem, match="Did you mean '10.0.1.0/24'"):
        rules.parse_address_prefixes("10.0.1.5/24")
    with pytest.raises(rules.RuleProblem):
        rules.parse_address_prefixes("10.0.0.256")


def test_a_service_tag_in_the_ip_list_is_refused_one_tag_per_rule_nsg_04():
    with pytest.raises(rules.RuleProblem) as exc:
        rules.parse_address_prefixes("10.0.0.0/24, Internet")
    assert exc.value.rule_id == "NSG-04"
    with pytest.raises(rules.RuleProblem):
        rules.parse_service_tag("Sql,Storage")


def test_more_than_4000_addresses_per_side_is_refused_limit_16():
    many = ",".join(f"10.{i // 256}.{i % 256}.1" for i in range(4001))
    with pytest.raises(rules.RuleProblem) as exc:
        rules.parse_address_prefixes(many)
    assert exc.value.rule_id == "LIMIT-16"
    assert len(rules.parse_address_prefixes(",".join(many.split(",")[:4000]))) == 4000


@pytest.mark.parametrize(
    "text, tag",
    [
        ("VirtualNetwork", "VirtualNetwork"),  # NSG-30
        ("internet", "Internet"),  # NSG-31
        ("AzureLoadBalancer", "AzureLoadBalancer"),  # NSG-32
        ("AzureCloud.EastUS", "AzureCloud.EastUS"),  # NSG-33
        ("sql.westeurope", "Sql.WestEurope"),  # NSG-34
        ("VIRTUAL_NETWORK", "VirtualNetwork"),  # NSG-35 classic spelling
    ],
)
def test_it_knows_the_service_tags_of_nsg_30_to_nsg_35(text, tag):
    assert rules.parse_service_tag(text) == tag


@pytest.mark.parametrize("text", ["Bogus", "Storage.Mars", "GatewayManager.EastUS", "", "10.0.0.0/8"])
def test_it_refuses_unknown_service_tags_nsg_04(text):
    with pytest.raises(rules.RuleProblem) as exc:
        rules.parse_service_tag(text)
    assert exc.value.rule_id == "NSG-04"


@pytest.mark.parametrize("name", ["a", "Allow_HTTPS", "rule.1-x_", "9lives", "_under"])
def test_it_accepts_names_of_word_characters_dots_and_hyphens_nsg_01(name):
    assert rules.name_problem(name) is None


@pytest.mark.parametrize("name", ["", "-lead", "trail.", "trail-", "has space", "é", "a" * 81, "a/b"])
def test_it_refuses_names_azure_refuses_nsg_01(name):
    assert rules.name_problem(name)


def test_priority_suggestions_start_at_100_then_add_10():
    assert rules.next_priority([]) == 100
    assert rules.next_priority([100, 130]) == 140
    assert rules.next_priority([4096]) == 100
