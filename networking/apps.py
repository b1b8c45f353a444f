from django.apps import AppConfig


class NetworkingConfig(AppConfig):
    name = "networking"

    def ready(self) -> None:
        # Declaring the types imports the app's models: only once the
        # registry of apps is ready.
        from networking import arm, arm_nat, resources

        resources.register()
        arm.register_arm()

        # ARM JSON in and out (issue #9 point 3, networking/arm_services.py).
        from networking.arm_services import register_arm

        register_arm()
        # After arm: it adds the NAT gateway to the subnet and VNet types' ARM JSON in.
        arm_nat.register_arm()

        # Move resources (portal/move.py): a peered VNet moves once unpeered (MOVE-04).
        from networking.services import peerings
        from portal.registry import registry

        registry.add_move_check("Microsoft.Network/virtualNetworks", peerings.move_refusal)
