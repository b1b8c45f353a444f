"""State changes of VNet peerings, validated as Azure does.

A peering is two links, one on each VNet (VNET-10). The 2021-2022 "Add
peering" pane creates both at once, so both are Connected; a classic remote
VNet has no link of its own, so only the Resource Manager side exists and it
is Connected. Deleting one link leaves the other Disconnected: the learner
must delete it and add the peering again.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from networking.engine import addressing
from networking.models import VirtualNetwork, VirtualNetworkGateway, VirtualNetworkPeering
from networking.services.gateways import err, gateway_state, validate_resource_name
from portal import locks
from portal import services as portal_services
from portal.errors import rule_error
from portal.models import NotificationLevel
from portal.registry import registry
from portal.resources import resource_url

MAX_PEERINGS_PER_VNET = 500  # LIMIT-03


@dataclass(frozen=True)
class LinkSettings:
    """One link's four settings (allowVirtualNetworkAccess, allowForwardedTraffic,
    allowGatewayTransit, useRemoteGateways), whichever pane drew them: the
    2021 pane's radio groups or the newer pane's checkboxes (portal-ui §3.4).
    A refusal names the setting it is about (``transit``, ``use_remote``,
    ``remote_``-prefixed for the remote link): the form shows it on the
    control that draws that setting."""

    allow_access: bool = True
    allow_forwarded: bool = True
    transit: bool = False
    use_remote: bool = False

    @classmethod
    def of(cls, link: VirtualNetworkPeering) -> "LinkSettings":
        return cls(
            link.allow_virtual_network_access,
            link.allow_forwarded_traffic,
            link.allow_gateway_transit,
            link.use_remote_gateways,
        )


def overlapping(a: VirtualNetwork, b: VirtualNetwork) -> tuple[str, str] | None:
    for x in a.address_space:
        for y in b.address_space:
            nx, ny = addressing.parse_cidr(x), addressing.parse_cidr(y)
            if nx.version == ny.version and nx.overlaps(ny):
                return x, y
    return None


def _gateway(vnet: VirtualNetwork) -> VirtualNetworkGateway | None:
    return VirtualNetworkGateway.objects.filter(vnet=vnet).first()


def _check_gateway_settings(
    vnet: VirtualNetwork,
    remote: VirtualNetwork,
    mine: LinkSettings,
    theirs: LinkSettings | None,
    *,
    prefix: str,
    ignore: VirtualNetworkPeering | None = None,
) -> None:
    """VNET-11: gateway transit and remote gateways, for ``vnet``'s link to
    ``remote``; ``theirs`` is the remote link's settings (None: no remote link).
    Both on one link is refused by whichever check fails: transit needs the
    link's own gateway, using the remote's needs none."""
    field = f"{prefix}transit"
    if mine.transit:
        gateway = _gateway(vnet)
        if gateway is None:
            raise rule_error(
                f"'{vnet.name}' has no virtual network gateway, so its peering can't offer gateway transit.",
                "VNET-11",
                field=field,
            )
        if remote.is_classic:
            raise rule_error(
                "Gateway transit isn't supported with a classic virtual network.", "VNET-11", "ASVI-03", field=field
            )
    field = f"{prefix}use_remote"
    if mine.use_remote:
        if remote.is_classic:
            raise rule_error(
                "A classic virtual network's gateway can't be used over a peering.", "VNET-11", "ASVI-03", field=field
            )
        if _gateway(vnet) is not None:
            raise rule_error(
                f"'{vnet.name}' has its own virtual network gateway, so it can't use the remote virtual network's gateway.",
                "VNET-11",
                field=field,
            )
        remote_gateway = _gateway(remote)
        if remote_gateway is None:
            raise rule_error(f"'{remote.name}' has no virtual network gateway to use.", "VNET-11", field=field)
        if gateway_state(remote_gateway) == "Updating":
            raise rule_error(
                f"Gateway '{remote_gateway.name}' of '{remote.name}' is still being created. Wait until it has Succeeded.",
                "ASGW-12",
                "VNET-11",
                field=field,
            )
        if theirs is None or not theirs.transit:
            raise rule_error(
                f"The peering from '{remote.name}' must allow gateway transit (offer its gateway) before "
                f"'{vnet.name}' can use its gateway.",
                "VNET-11",
                field=field,
            )
        others = VirtualNetworkPeering.objects.filter(vnet=vnet, use_remote_gateways=True)
        if ignore is not None:
            others = others.exclude(pk=ignore.pk)
        if others.exists():
            raise err("ERR-24", "VNET-11", field=field, vnet=vnet.name)


def _check_side(vnet: VirtualNetwork, remote: VirtualNetwork, name: str, field: str) -> str:
    name = validate_resource_name("peering", name, field=field)
    if VirtualNetworkPeering.objects.filter(vnet=vnet, name__iexact=name).exists():
        raise rule_error(f"'{vnet.name}' already has a peering named '{name}'.", "NAMING-30", field=field)
    existing = VirtualNetworkPeering.objects.filter(vnet=vnet, remote_vnet=remote).first()
    if existing is not None:
        # VNET-10: one peering per pair; a Disconnected link must be deleted first.
        raise rule_error(
            f"'{vnet.name}' already has peering '{existing.name}' ({existing.peering_state}) to '{remote.name}'. "
            + (
                "Delete it, then add the peering again."
                if existing.peering_state == "Disconnected"
                else "A pair of virtual networks has one peering."
            ),
            "VNET-10",
            field="remote_vnet",
        )
    if VirtualNetworkPeering.objects.filter(vnet=vnet).count() >= MAX_PEERINGS_PER_VNET:
        raise rule_error(
            f"'{vnet.name}' already has {MAX_PEERINGS_PER_VNET} peerings, the maximum.", "LIMIT-03", field="remote_vnet"
        )
    return name


def add_peering(
    vnet: VirtualNetwork,
    remote: VirtualNetwork | None,
    *,
    name: str,
    remote_name: str,
    local: LinkSettings,
    remote_settings: LinkSettings,
    link_remote: bool = True,
) -> VirtualNetworkPeering:
    """The "Add peering" pane (VNET-10): both links at once, or (without
    ``link_remote``) only this side's, which stays Initiated until the other
    side adds its own link; then both are Connected."""
    if vnet.is_classic:
        raise rule_error(
            "Peerings are added from the Resource Manager virtual network; a classic virtual network has no peering links.",
            "VNET-10",
        )
    if remote is None:
        raise rule_error("Select a virtual network.", field="remote_vnet")
    if remote.pk == vnet.pk:
        raise rule_error("A virtual network can't be peered with itself.", "VNET-15", field="remote_vnet")
    # A peering is a child of its VNet: a read-only lock there refuses it (LOCK-02).
    registry.refuse_change(vnet)
    with transaction.atomic():
        # Lock the pair in a stable order so concurrent adds queue.
        list(VirtualNetwork.objects.select_for_update().filter(pk__in=[vnet.pk, remote.pk]).order_by("pk"))
        name = _check_side(vnet, remote, name, "name")
        if overlapping(vnet, remote):
            raise err("ERR-22", "VNET-15", field="remote_vnet", vnetA=vnet.name, vnetB=remote.name)
        reverse = (
            None if remote.is_classic else VirtualNetworkPeering.objects.filter(vnet=remote, remote_vnet=vnet).first()
        )
        completes = reverse is not None and reverse.peering_state == "Initiated"
        if link_remote and not (remote.is_classic or completes):
            registry.refuse_change(remote)  # the remote side's link is written too
        if remote.is_classic or completes or not link_remote:
            _check_gateway_settings(vnet, remote, local, None, prefix="")
        else:
            if reverse is not None:
                raise rule_error(
                    f"'{remote.name}' already has peering '{reverse.name}' ({reverse.peering_state}) to '{vnet.name}'. "
                    "Delete it, then add the peering again.",
                    "VNET-10",
                    field="remote_vnet",
                )
            remote_name = _check_side(remote, vnet, remote_name, "remote_name")
            _check_gateway_settings(vnet, remote, local, remote_settings, prefix="")
            _check_gateway_settings(remote, vnet, remote_settings, local, prefix="remote_")
        link = VirtualNetworkPeering.objects.create(
            vnet=vnet,
            remote_vnet=remote,
            name=name,
            allow_virtual_network_access=local.allow_access,
            allow_forwarded_traffic=local.allow_forwarded,
            allow_gateway_transit=local.transit,
            use_remote_gateways=local.use_remote,
            peering_state="Connected" if (remote.is_classic or completes or link_remote) else "Initiated",
        )
        portal_services.log_activity(vnet.sandbox, vnet, "Create or Update Virtual Network Peering", "Succeeded")
        if completes:
            VirtualNetworkPeering.objects.filter(pk=reverse.pk).update(peering_state="Connected")
        elif link_remote and not remote.is_classic:
            VirtualNetworkPeering.objects.create(
                vnet=remote,
                remote_vnet=vnet,
                name=remote_name,
                allow_virtual_network_access=remote_settings.allow_access,
                allow_forwarded_traffic=remote_settings.allow_forwarded,
                allow_gateway_transit=remote_settings.transit,
                use_remote_gateways=remote_settings.use_remote,
                peering_state="Connected",
            )
            portal_services.log_activity(vnet.sandbox, remote, "Create or Update Virtual Network Peering", "Succeeded")
        portal_services.notify(
            vnet.sandbox,
            "Added virtual network peering",
            f"'{vnet.name}' and '{remote.name}' are peered ({link.peering_state})."
            + ("" if link.peering_state == "Connected" else f" Add the link on '{remote.name}' to connect them."),
            NotificationLevel.SUCCESS,
            resource_url(vnet),
        )
    return link


def update_peering(link: VirtualNetworkPeering, settings: LinkSettings) -> None:
    """Save one link's settings (the link's own pane)."""
    vnet, remote = link.vnet, link.remote_vnet
    registry.refuse_change(vnet)
    if remote is None:
        raise rule_error(
            f"The remote virtual network of peering '{link.name}' was deleted. Delete this peering.", "VNET-10"
        )
    with transaction.atomic():
        reverse = VirtualNetworkPeering.objects.filter(vnet=remote, remote_vnet=vnet).first()
        theirs = LinkSettings.of(reverse) if reverse is not None else None
        _check_gateway_settings(vnet, remote, settings, theirs, prefix="", ignore=link)
        if reverse is not None and reverse.use_remote_gateways and not settings.transit:
            raise rule_error(
                f"Peering '{reverse.name}' of '{remote.name}' uses this virtual network's gateway. Change it first.",
                "VNET-11",
                field="transit",
            )
        VirtualNetworkPeering.objects.filter(pk=link.pk).update(
            allow_virtual_network_access=settings.allow_access,
            allow_forwarded_traffic=settings.allow_forwarded,
            allow_gateway_transit=settings.transit,
            use_remote_gateways=settings.use_remote,
        )
        portal_services.log_activity(vnet.sandbox, vnet, "Create or Update Virtual Network Peering", "Succeeded")
        portal_services.notify(
            vnet.sandbox,
            "Updated virtual network peering",
            f"Peering '{link.name}' of '{vnet.name}' was saved.",
            NotificationLevel.SUCCESS,
            resource_url(vnet),
        )


def delete_peering(link: VirtualNetworkPeering) -> None:
    """Delete one link; the other side's link becomes Disconnected (VNET-10)."""
    vnet, remote = link.vnet, link.remote_vnet
    with transaction.atomic():
        locks.check_delete(f"{link.vnet.arm_id}/virtualNetworkPeerings/{link.name}")
        if remote is not None:
            VirtualNetworkPeering.objects.filter(vnet=remote, remote_vnet=vnet).update(peering_state="Disconnected")
        link.delete()
        portal_services.log_activity(vnet.sandbox, vnet, "Delete Virtual Network Peering", "Succeeded")
        portal_services.notify(
            vnet.sandbox,
            "Deleted virtual network peering",
            f"Peering '{link.name}' of '{vnet.name}' was deleted."
            + (f" The link from '{remote.name}' is now Disconnected." if remote is not None else ""),
            NotificationLevel.SUCCESS,
            resource_url(vnet),
        )


def move_refusal(vnet, target_group, cross_subscription: bool):
    """MOVE-04: a peered virtual network moves only once its peerings are
    removed (Azure's networking move limitations: disable the peering, move,
    re-create it). Registered as the VNet type's move check."""
    peerings = VirtualNetworkPeering.objects.filter(Q(vnet=vnet) | Q(remote_vnet=vnet))
    names = sorted({p.name for p in peerings.only("name")})
    if not names:
        return None
    return rule_error(
        f"Virtual network '{vnet.name}' is peered ({', '.join(names)}): remove its peerings before moving it, "
        "then re-create them after the move.",
        "MOVE-04",
    )
