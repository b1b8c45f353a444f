"""Name resolution in the pure engine (networking/engine/dns.py), each case
naming the rules it proves."""

from networking.engine.dns import AZURE_DNS, Resolver, Zone, resolve

SQL = "contoso-sql.database.windows.net"
PUBLIC = {
    SQL: ("CNAME", "contoso-sql.privatelink.database.windows.net"),
    "contoso-sql.privatelink.database.windows.net": ("CNAME", "cr4.eastus1-a.control.database.windows.net"),
    "cr4.eastus1-a.control.database.windows.net": ("A", "20.42.65.90"),
    "other-sql.database.windows.net": ("A", "20.42.65.91"),
    "www.contoso.com": ("A", "93.184.216.34"),
}
SQL_ZONE = Zone("privatelink.database.windows.net", {"contoso-sql": ("A", ("10.0.1.5",))})


def test_pedns_11_a_linked_zone_answers_the_private_address():
    answer = resolve(SQL, Resolver((AZURE_DNS,), (SQL_ZONE,)), PUBLIC)
    assert answer.addresses == ("10.0.1.5",)
    assert answer.private
    assert answer.chain == ("contoso-sql.privatelink.database.windows.net",)
    assert any("PEDNS-10" in s.rule_ids for s in answer.steps)


def test_pedns_12_without_a_linked_zone_the_public_chain_ends_at_the_public_ip():
    answer = resolve(SQL, Resolver((AZURE_DNS,), ()), PUBLIC)
    assert answer.addresses == ("20.42.65.90",)
    assert not answer.private
    assert any("PEDNS-12" in s.rule_ids for s in answer.steps)


def test_pedns_13_a_linked_zone_without_the_record_answers_nxdomain():
    zone = Zone("privatelink.database.windows.net", {})
    answer = resolve(SQL, Resolver((AZURE_DNS,), (zone,)), PUBLIC)
    assert answer.nxdomain
    assert any("PEDNS-13" in s.rule_ids for s in answer.steps)


def test_pedns_13_a_resource_without_private_endpoint_still_resolves_publicly():
    answer = resolve("other-sql.database.windows.net", Resolver((AZURE_DNS,), (SQL_ZONE,)), PUBLIC)
    assert answer.addresses == ("20.42.65.91",)


def test_pedns_14_fallback_to_internet_gives_the_public_answer():
    zone = Zone("privatelink.database.windows.net", {}, fallback_to_internet=True)
    answer = resolve(SQL, Resolver((AZURE_DNS,), (zone,)), PUBLIC)
    assert answer.addresses == ("20.42.65.90",)
    assert any("PEDNS-14" in s.rule_ids for s in answer.steps)


def test_asdns_02_a_custom_dns_server_answers_public_names_only():
    answer = resolve(SQL, Resolver(("10.0.1.4",), (SQL_ZONE,)), PUBLIC)
    assert answer.addresses == ("20.42.65.90",)
    assert any("ASDNS-02" in s.rule_ids for s in answer.steps)


def test_pedns_17_a_forwarder_to_azure_dns_sees_the_private_zone():
    answer = resolve(SQL, Resolver(("10.0.1.4",), (SQL_ZONE,), forwarders=frozenset({"10.0.1.4"})), PUBLIC)
    assert answer.addresses == ("10.0.1.5",)


def test_seed_24_a_classic_app_without_the_settings_skips_private_zones():
    answer = resolve(SQL, Resolver((AZURE_DNS,), (SQL_ZONE,), private_zones=False), PUBLIC)
    assert answer.addresses == ("20.42.65.90",)
    assert any("SEED-24" in s.rule_ids for s in answer.steps)


def test_a_custom_private_zone_answers_its_own_names():
    zone = Zone("contoso.internal", {"db": ("A", ("10.0.3.7",)), "app": ("CNAME", ("db.contoso.internal",))})
    answer = resolve("app.contoso.internal", Resolver((AZURE_DNS,), (zone,)), PUBLIC)
    assert answer.addresses == ("10.0.3.7",)
    assert answer.chain == ("db.contoso.internal",)


def test_an_unknown_name_is_nxdomain():
    assert resolve("nope.example", Resolver((AZURE_DNS,)), PUBLIC).nxdomain


def test_names_are_case_and_trailing_dot_insensitive():
    assert resolve("WWW.Contoso.com.", Resolver((AZURE_DNS,)), PUBLIC).addresses == ("93.184.216.34",)


def test_a_cname_loop_gives_up():
    loop = {"a.example": ("CNAME", "b.example"), "b.example": ("CNAME", "a.example")}
    assert resolve("a.example", Resolver((AZURE_DNS,)), loop).nxdomain
