"""Build an ARM template's estate into a sandbox, through the same services
and rules as the blades, in one transaction: a refusal (with its rule IDs),
malformed JSON, an unknown type, a property of the wrong type or a reference
to a missing resource leaves the sandbox as it was and exits non-zero.

    python manage.py import_estate --sandbox <key> estate.json [--resource-group NAME] [--parameters p.json]
"""

import json

from django.core.management.base import BaseCommand, CommandError

from portal.arm.deploy import deploy
from portal.arm.errors import ArmError
from portal.management.sandboxes import sandbox_by_key


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as exc:
        raise CommandError(f"Can't read {path}: {exc.strerror}.") from None


class Command(BaseCommand):
    help = "Deploy an ARM template (an estate) into a sandbox."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--sandbox", required=True, help="The sandbox key (its UUID, shown in Portal settings).")
        parser.add_argument("file", help="The template (JSON).")
        parser.add_argument(
            "--resource-group", default="", help="The group for resources that name none (it must exist)."
        )
        parser.add_argument("--parameters", help='A parameters file ({"parameters": {"name": {"value": ...}}}).')

    def handle(self, *args, **options) -> None:
        sandbox = sandbox_by_key(options["sandbox"])
        parameters = None
        if options["parameters"]:
            try:
                given = json.loads(_read(options["parameters"]))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise CommandError(f"The parameters file is not valid JSON: {exc}.") from None
            parameters = given.get("parameters", given) if isinstance(given, dict) else None
            if not isinstance(parameters, dict):
                raise CommandError("The parameters file must be a JSON object of parameters.")
        try:
            deployment = deploy(
                sandbox, _read(options["file"]), resource_group=options["resource_group"], parameters=parameters
            )
        except ArmError as exc:
            raise CommandError(f"Nothing was deployed. {exc}") from None
        created = (
            f" (created resource groups: {', '.join(deployment.created_groups)})" if deployment.created_groups else ""
        )
        self.stdout.write(f"Deployed {len(deployment.resources)} resources into sandbox {sandbox.key}{created}.")
