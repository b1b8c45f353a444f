"""The App Service console's tools (appservice/console.py), called directly:
what ``nameresolver`` and ``tcpping`` print for an app of the demo seed
(ASGW-20). The blade that hosts them is tested in test_troubleshoot.py."""

import pytest

from appservice import services
from appservice.console import CONSOLE_HELP, run_console_command
from tests.helpers import app_of, subnet_of

pytestmark = pytest.mark.django_db


def _run(client, command: str) -> str:
    return run_console_command(client.sandbox, app_of(client, "contoso-web"), command)


def test_help_and_a_question_mark_print_the_two_tools(alice):
    assert _run(alice, "help") == CONSOLE_HELP == _run(alice, "?")
    assert "nameresolver" in CONSOLE_HELP and "tcpping" in CONSOLE_HELP and "ASGW-20" in CONSOLE_HELP


def test_nameresolver_names_the_server_and_the_addresses(alice):
    lines = _run(alice, "nameresolver www.contoso.com").splitlines()
    assert lines[0] == "Server: 168.63.129.16"
    assert "Addresses: 93.184.216.34" in lines


def test_nameresolver_asks_the_dns_server_given_as_second_word(alice):
    assert _run(alice, "nameresolver www.contoso.com 10.0.1.10").splitlines()[0] == "Server: 10.0.1.10"


def test_nameresolver_says_when_a_name_does_not_exist(alice):
    assert "*** Can't find nope.contoso.com: Non-existent domain" in _run(alice, "nameresolver nope.contoso.com")


def test_nameresolver_without_a_host_prints_its_usage(alice):
    assert _run(alice, "nameresolver") == "Usage: nameresolver <host> [dns server]"


def test_tcpping_fails_four_times_and_says_where_and_how_to_fix_it(alice):
    output = _run(alice, "tcpping 10.0.1.4:22")
    assert output.count("Connection attempt failed:") == 4
    assert "Complete: 0/4 successful attempts (0%). Blocked at " in output and "\nFix: " in output


def test_tcpping_connects_once_the_app_is_integrated(alice):
    subnet = subnet_of(alice, "contoso-vnet", "integration-subnet")
    services.add_regional_integration(app_of(alice, "contoso-web"), subnet.vnet, subnet=subnet)
    output = _run(alice, "tcpping 10.0.1.4:22")
    assert output.count("Connected to 10.0.1.4:22: time<1ms") == 4
    assert output.endswith("Complete: 4/4 successful attempts (100%).")


@pytest.mark.parametrize("target", ["nope", "10.0.1.4", ":22", "10.0.1.4:0", "10.0.1.4:65536", "10.0.1.4:x"])
def test_tcpping_without_a_valid_host_and_port_prints_its_usage(alice, target):
    assert _run(alice, f"tcpping {target}") == "Usage: tcpping <host>:<port>"


def test_an_unknown_command_is_not_recognized_and_gets_the_help(alice):
    assert _run(alice, "nslookup www.contoso.com") == "'nslookup' is not recognized.\n" + CONSOLE_HELP
