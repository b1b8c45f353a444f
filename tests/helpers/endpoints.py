"""Private endpoint builders the endpoint tests share: the persona's group,
a SQL server to target, a subnet of contoso-vnet, and the wizard's form."""

from networking.models import SqlServer, Subnet
from networking.services import paas as paas_services
from portal.models import ResourceGroup


def group_of(client) -> ResourceGroup:
    return ResourceGroup.objects.select_related("subscription__sandbox").get(subscription__sandbox=client.sandbox)


def sql_server(client, name="contoso-sql") -> SqlServer:
    return paas_services.create_target(SqlServer, group_of(client), name=name, location="eastus")


def vnet_subnet(client, name="vm-subnet") -> Subnet:
    return Subnet.objects.select_related("vnet").get(vnet__sandbox=client.sandbox, vnet__name="contoso-vnet", name=name)


def wizard_data(client, **overrides) -> dict:
    """The private endpoint wizard's fields for a SQL server on vm-subnet."""
    rg = group_of(client)
    target = SqlServer.objects.filter(sandbox=client.sandbox).first() or sql_server(client)
    subnet = vnet_subnet(client)
    data = {
        "subscription": str(rg.subscription.subscription_id),
        "resource_group": rg.name,
        "name": "wiz-pe",
        "region": "eastus",
        "connection_method": "directory",
        "resource_type": "Microsoft.Sql/servers",
        "target": str(target.pk),
        "group_id": "sqlServer",
        "vnet": str(subnet.vnet_id),
        "subnet": str(subnet.pk),
        "integrate_dns": "yes",
        "current_tab": "configuration",
    }
    data.update(overrides)
    return data
