"""The demo seed is an estate template in the repo, and it round-trips:
exported and imported into an empty sandbox it exports identically (but
for what Azure generates), and every engine trace of its apps, VMs and
pods gives the same steps there, in both eras."""

import json
import re
from io import StringIO
from ipaddress import ip_address, ip_network

import pytest
from django.core.management import call_command

from aks.models import ClusterNode, PodIpAddress
from appservice.models import WebApp
from networking.engine.topology import FIRST_POD_OFFSET
from networking.models import KeyVault, SqlServer, StorageAccount
from portal import seed
from portal.arm.deploy import deploy
from portal.arm.export import export_sandbox
from portal.models import ActivityLogEntry, Notification, Operation, ResourceGroup, Sandbox, Subscription

pytestmark = pytest.mark.django_db

# What Azure generates and a copy of an estate doesn't share: the
# subscription, the suffix of AKS node names (a hash of the cluster's ID),
# the FQDN suffix, the name suffix of a private endpoint's NIC, and the
# addresses App Service gives an app (its outboundIpAddresses).
GENERATED = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<subscription>"),
    (re.compile(r"aks-(\w+)-\d{8}-"), r"aks-\1-<suffix>-"),
    (re.compile(r"aks-agentpool-\d{8}-(nsg|routetable)"), r"aks-agentpool-<suffix>-\1"),
    (re.compile(r"-dns-\d{8}\.hcp"), "-dns-<suffix>.hcp"),
    (re.compile(r"\.nic\.[0-9a-z.-]+"), ".nic.<suffix>"),
    (re.compile(r"20\.49\.\d+\.\d+"), "<App Service address>"),
]


def without_generated(value) -> str:
    text = json.dumps(value, indent=1, sort_keys=True)
    for pattern, replacement in GENERATED:
        text = pattern.sub(replacement, text)
    return text


@pytest.fixture(params=["classic", "current"])
def era(request) -> str:
    return request.param


@pytest.fixture
def seeded(settings, era) -> Sandbox:
    settings.VNETLAB_SEED_NETWORK = True
    return seed.create_sandbox(era)


@pytest.fixture
def copied(seeded) -> Sandbox:
    """An empty sandbox of the same era with the seed's export imported."""
    target = Sandbox.objects.create(era=seeded.era)
    Subscription.objects.create(sandbox=target)
    deploy(target, export_sandbox(seeded))
    return target


def test_the_seed_is_the_template_file_in_the_repo(seeded):
    assert seed.ESTATE.name == "demo.json" and seed.ESTATE.parent.name == "estates"
    declared = json.loads(seed.ESTATE.read_text())
    defaults = {name: p.get("defaultValue") for name, p in declared["parameters"].items()}

    def name_of(resource) -> str:
        found = re.fullmatch(r"\[parameters\('([^']+)'\)\]", resource["name"])
        return defaults[found.group(1)] if found else resource["name"]

    in_file = {(r["type"], name_of(r)) for r in declared["resources"] if "/" not in name_of(r)}
    exported = export_sandbox(seeded)
    exported_defaults = {name: p["defaultValue"] for name, p in exported["parameters"].items()}
    built = {
        (r["type"], exported_defaults.get(r["name"][13:-3], r["name"]))
        for r in exported["resources"]
        if r["name"].startswith("[parameters(")
    } | {(r["type"], r["name"]) for r in exported["resources"] if r["type"] == "Microsoft.Resources/resourceGroups"}
    assert built == in_file


def test_the_compact_seed_leaves_the_network_group_out(settings):
    settings.VNETLAB_SEED_NETWORK = False
    sandbox = seed.create_sandbox()
    groups = set(ResourceGroup.objects.filter(subscription__sandbox=sandbox).values_list("name", flat=True))
    assert groups == {"contoso-rg"}


def _untouched(sandbox: Sandbox) -> bool:
    return not (
        Notification.objects.filter(sandbox=sandbox).exists()
        or ActivityLogEntry.objects.filter(sandbox=sandbox).exists()
        or Operation.objects.filter(sandbox=sandbox).unfinished().exists()
    )


def test_reset_returns_the_same_estate_and_leaves_nothing_in_the_bell_or_activity_log(seeded):
    assert _untouched(seeded)
    before = export_sandbox(seeded)
    deploy(
        seeded,
        {"resources": [{"type": "Microsoft.Resources/resourceGroups", "name": "extra-rg", "location": "westus"}]},
        quiet=False,
    )
    assert not _untouched(seeded)
    seed.reset_sandbox(seeded)
    assert _untouched(seeded)
    assert without_generated(export_sandbox(seeded)) == without_generated(before)


def test_the_seed_exported_and_imported_exports_identically(seeded, copied):
    assert without_generated(export_sandbox(copied)) == without_generated(export_sandbox(seeded))


# --- traces ---------------------------------------------------------------------------

DESTINATIONS = [
    ("10.0.1.4", "443", "Tcp"),
    ("10.100.1.4", "22", "Tcp"),
    ("contoso-sql01.database.windows.net", "1433", "Tcp"),
    ("contosodata01.blob.core.windows.net", "443", "Tcp"),
    ("192.168.10.5", "3389", "Tcp"),
    ("10.102.0.4", "80", "Tcp"),
    ("www.contoso.com", "443", "Tcp"),
    ("10.101.1.10", "0", "Icmp"),
]


def sources(sandbox: Sandbox) -> list[tuple[str, str]]:
    """Every app, VM and one pod of each cluster's first node, as the trace
    command names them."""
    found = [("--app", name) for name in WebApp.objects.filter(sandbox=sandbox).values_list("name", flat=True)]
    found += [("--vm", "contoso-vm01"), ("--vm", "contoso-nva01")]
    nodes = (
        ClusterNode.objects.filter(pool__cluster__sandbox=sandbox, instance=0)
        .select_related("pool__cluster")
        .order_by("pool__cluster__name")
    )
    for node in nodes:
        if node.pod_cidr:
            pod = ip_network(node.pod_cidr).network_address + FIRST_POD_OFFSET
        else:
            pod = min(ip_address(ip) for ip in PodIpAddress.objects.filter(node=node).values_list("ip", flat=True))
        found.append(("--pod", f"{node.pool.cluster.name}/{node.name}/{pod}"))
    return sorted(found)


def with_public_addresses_named(sandbox: Sandbox, found: list[dict]) -> str:
    """The traces without what Azure generates, each PaaS target's public
    address (Azure picks one in the service's range) shown as its name."""
    text = without_generated(found)
    for model in (StorageAccount, SqlServer, KeyVault):
        for name, address in model.objects.filter(sandbox=sandbox).values_list("name", "public_ip"):
            text = re.sub(rf"\b{re.escape(address)}\b", f"<public address of {name}>", text)
    return text


def traces(sandbox: Sandbox) -> list[dict]:
    results = []
    for option, source in sources(sandbox):
        for destination, port, protocol in DESTINATIONS:
            out = StringIO()
            call_command(
                "trace",
                "--sandbox",
                str(sandbox.key),
                option,
                source,
                "--to",
                destination,
                "--port",
                port,
                "--protocol",
                protocol,
                "--json",
                stdout=out,
            )
            results.append({"source": source, "to": destination, "trace": json.loads(out.getvalue())})
    return results


def test_every_trace_of_the_seeds_apps_vms_and_pods_is_the_same_in_the_copy(seeded, copied):
    original = traces(seeded)
    assert len(original) == len(DESTINATIONS) * 8
    assert any(t["trace"]["steps"] for t in original)
    assert with_public_addresses_named(copied, traces(copied)) == with_public_addresses_named(seeded, original)
