"""Make an instructor's account: the first one, and any after it. There is
no public sign-up page (issue #13); the lab's host runs this.

    python manage.py createinstructor alice                  # prompts for the password twice
    python manage.py createinstructor alice --email alice@example.com
    VNETLAB_INSTRUCTOR_PASSWORD=... python manage.py createinstructor alice --noinput
    python manage.py createinstructor alice --password-from-env MY_VAR
"""

import getpass
import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from classroom.services import create_instructor

# What --noinput reads, as createsuperuser reads DJANGO_SUPERUSER_PASSWORD.
PASSWORD_ENV = "VNETLAB_INSTRUCTOR_PASSWORD"


class Command(BaseCommand):
    help = "Create an instructor's account (signs in at /classroom/signin/)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="The name the instructor signs in with.")
        parser.add_argument("--email", default="", help="The instructor's email address (optional).")
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="Read the password from the environment variable VAR instead of prompting.",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help=f"Never prompt: the password comes from --password-from-env or from {PASSWORD_ENV}.",
        )

    def handle(self, *args, **options) -> None:
        password = self._password(options)
        try:
            instructor = create_instructor(options["username"], password, options["email"])
        except ValidationError as error:
            raise CommandError("The instructor was not created: " + " ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(f"Instructor {instructor} created. Sign in at /classroom/signin/."))

    def _password(self, options) -> str:
        var = options["password_from_env"] or (None if options["interactive"] else PASSWORD_ENV)
        if var:
            password = os.environ.get(var, "")
            if not password:
                raise CommandError(f"The environment variable {var} is not set or empty: it must hold the password.")
            return password
        if not sys.stdin.isatty():
            raise CommandError(
                f"No terminal to ask for the password: use --noinput with {PASSWORD_ENV} set, "
                "or --password-from-env VAR."
            )
        for _attempt in range(3):
            password = getpass.getpass("Password: ")
            if not password:
                self.stderr.write("The password can't be empty.")
                continue
            if getpass.getpass("Password (again): ") != password:
                self.stderr.write("The passwords didn't match.")
                continue
            return password
        raise CommandError("No password given; the instructor was not created.")
