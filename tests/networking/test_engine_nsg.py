"""NSG evaluation in the pure engine (networking/engine/nsg.py)."""

from ipaddress import IPv4Address, IPv4Network

from hypothesis import given, settings
from hypothesis import strategies as st

from networking.engine.nsg import Flow, Nsg, Rule, evaluate, evaluate_one, rule_matches

VNET = (IPv4Network("10.0.0.0/16"),)


def out(dst, port=443, proto="Tcp", src="10.0.1.4"):
    return Flow("Outbound", proto, IPv4Address(src), 50000, IPv4Address(dst), port)


def inbound(src, port=22, proto="Tcp", dst="10.0.1.4"):
    return Flow("Inbound", proto, IPv4Address(src), 50000, IPv4Address(dst), port)


def test_nsg_10_an_empty_nsg_allows_vnet_and_internet_outbound():
    nsg = Nsg("empty", ())
    assert evaluate_one(nsg, out("10.0.2.5"), VNET).rule.name == "AllowVnetOutBound"
    assert evaluate_one(nsg, out("8.8.8.8"), VNET).rule.name == "AllowInternetOutBound"


def test_nsg_10_inbound_from_the_internet_is_denied_by_default():
    verdict = evaluate_one(Nsg("empty", ()), inbound("52.1.2.3"), VNET)
    assert not verdict.allowed
    assert verdict.rule.label == "defaultSecurityRules/DenyAllInBound"


def test_nsg_30_virtualnetwork_covers_peered_ranges_given_by_the_caller():
    verdict = evaluate_one(Nsg("empty", ()), inbound("10.1.0.9"), VNET + (IPv4Network("10.1.0.0/16"),))
    assert verdict.rule.name == "AllowVnetInBound"


def test_nsg_02_the_lowest_priority_number_wins():
    rules = (
        Rule("deny-sql", 200, "Outbound", "Deny", "Tcp", destinations=("Sql",), destination_ports=("1433",)),
        Rule("allow-sql", 100, "Outbound", "Allow", "Tcp", destinations=("Sql",), destination_ports=("1433",)),
    )
    verdict = evaluate_one(Nsg("n", rules), out("20.42.65.90", 1433), VNET)
    assert verdict.allowed and verdict.rule.name == "allow-sql"


def test_nsg_34_a_service_tag_rule_matches_the_services_addresses_only():
    rules = (Rule("deny-storage", 200, "Outbound", "Deny", "*", destinations=("Storage",)),)
    assert not evaluate_one(Nsg("n", rules), out("20.60.1.1"), VNET).allowed
    assert evaluate_one(Nsg("n", rules), out("20.42.65.90"), VNET).allowed


def test_nsg_31_internet_excludes_the_vnet_and_private_ranges():
    rules = (Rule("deny-internet", 300, "Outbound", "Deny", "*", destinations=("Internet",)),)
    nsg = Nsg("n", rules)
    assert not evaluate_one(nsg, out("93.184.216.34"), VNET).allowed
    assert evaluate_one(nsg, out("10.0.2.2"), VNET).allowed


def test_nsg_07_port_ranges_and_lists():
    rule = Rule("web", 100, "Outbound", "Deny", "Tcp", destination_ports=("80", "8000-8080"))
    assert rule_matches(rule, out("1.1.1.1", 8080), VNET)
    assert rule_matches(rule, out("1.1.1.1", 80), VNET)
    assert not rule_matches(rule, out("1.1.1.1", 443), VNET)


def test_nsg_06_protocol_must_match_and_icmp_has_no_ports():
    rule = Rule("udp-dns", 100, "Outbound", "Deny", "Udp", destination_ports=("53",))
    assert not rule_matches(rule, out("1.1.1.1", 53, "Tcp"), VNET)
    assert rule_matches(rule, out("1.1.1.1", 53, "Udp"), VNET)
    icmp = Rule("no-ping", 100, "Outbound", "Deny", "Icmp", destination_ports=("7",))
    assert rule_matches(icmp, out("1.1.1.1", 0, "Icmp"), VNET)


def test_nsg_21_outbound_nic_then_subnet_and_either_can_deny():
    deny = Nsg("subnet-nsg", (Rule("deny-all", 100, "Outbound", "Deny"),))
    allow = Nsg("nic-nsg", (Rule("allow-all", 100, "Outbound", "Allow"),))
    verdict, verdicts = evaluate(out("8.8.8.8"), VNET, nic_nsg=allow, subnet_nsg=deny)
    assert not verdict.allowed and verdict.nsg.name == "subnet-nsg"
    assert [v.nsg.name for v in verdicts] == ["nic-nsg", "subnet-nsg"]


def test_nsg_21_inbound_subnet_then_nic_and_both_must_allow():
    subnet = Nsg("subnet-nsg", (Rule("allow-ssh", 100, "Inbound", "Allow", "Tcp", destination_ports=("22",)),))
    nic = Nsg("nic-nsg", ())
    verdict, verdicts = evaluate(inbound("52.1.1.1"), VNET, nic_nsg=nic, subnet_nsg=subnet)
    assert not verdict.allowed and verdict.nsg.name == "nic-nsg"
    assert [v.nsg.name for v in verdicts] == ["subnet-nsg", "nic-nsg"]


def test_nsg_21_no_nsg_anywhere_allows_everything():
    verdict, verdicts = evaluate(inbound("52.1.1.1"), VNET)
    assert verdict.allowed and verdicts == []


# --- Property test against a brute-force reference --------------------------------------

addresses = st.integers(0, 2**32 - 1).map(IPv4Address)
specs = st.one_of(
    st.just("*"),
    st.sampled_from(["VirtualNetwork", "Internet", "Storage", "Sql", "AzureCloud"]),
    st.builds(
        lambda a, n: str(IPv4Network((a & (0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF, n))),
        st.integers(0, 2**32 - 1),
        st.integers(0, 32),
    ),
)
ports = st.one_of(
    st.just("*"),
    st.integers(0, 65535).map(str),
    st.tuples(st.integers(0, 65535), st.integers(0, 65535)).map(lambda t: f"{min(t)}-{max(t)}"),
)
rules = st.lists(
    st.builds(
        lambda i, access, proto, src, dst, dport: Rule(
            f"r{i}", 100 + i, "Outbound", access, proto, (src,), ("*",), (dst,), (dport,)
        ),
        st.integers(0, 3996),
        st.sampled_from(["Allow", "Deny"]),
        st.sampled_from(["*", "Tcp", "Udp"]),
        specs,
        specs,
        ports,
    ),
    max_size=10,
    unique_by=lambda r: r.priority,
)


@settings(max_examples=300, deadline=None)
@given(rules=rules, src=addresses, dst=addresses, port=st.integers(0, 65535), proto=st.sampled_from(["Tcp", "Udp"]))
def test_nsg_02_first_match_agrees_with_brute_force(rules, src, dst, port, proto):
    flow = Flow("Outbound", proto, src, 40000, dst, port)
    verdict = evaluate_one(Nsg("n", tuple(rules)), flow, VNET)
    matching = [r for r in rules if rule_matches(r, flow, VNET)]
    if matching:
        expected = min(matching, key=lambda r: r.priority)
        assert verdict.rule == expected
    else:
        assert verdict.rule.is_default
