"""Delete the sandboxes no request used for VNETLAB_SANDBOX_IDLE_DAYS
(SBX-03), everything in them included. The running server does the same
at most once per VNETLAB_PRUNE_EVERY_SECONDS; this is for a cron job, or to
see what it would do.

    python manage.py prune_sandboxes [--dry-run] [--idle-days N]
"""

from django.core.management.base import BaseCommand, CommandError

from portal import lifecycle


class Command(BaseCommand):
    help = "Delete idle sandboxes (SBX-03) and print the counts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count the idle sandboxes; delete nothing.")
        parser.add_argument(
            "--idle-days",
            type=float,
            help="Idle for at least this many days (default: the VNETLAB_SANDBOX_IDLE_DAYS setting).",
        )

    def handle(self, *args, **options) -> None:
        days = options["idle_days"]
        if days is not None and days < 0:
            raise CommandError("--idle-days must be 0 or more.")
        result = lifecycle.prune(dry_run=options["dry_run"], idle_days=days)
        if options["dry_run"]:
            self.stdout.write(f"{result.total} sandboxes, {result.expired} idle; nothing deleted (dry run).")
            return
        self.stdout.write(
            f"{result.total} sandboxes, {result.expired} idle, {result.deleted} deleted, {result.failed} failed."
        )
        if result.failed:
            raise CommandError(f"{result.failed} idle sandboxes could not be deleted (see the log).")
