"""Check every lab: its file, its start, and its reference solution.

For each lab and each era it allows: the start's score must be the one the
lab states and below its pass mark, with every positive check failing
(negative checks, which keep a fix honest, may hold); after the reference
solution every check passes (100%). Nothing is kept: each run is rolled back.

    python manage.py validate_labs [--lab ID] [--seed N]
"""

import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from labs import catalog, checks, engine
from labs import params as lab_params
from labs.schema import LabError
from portal.arm.errors import ArmError
from portal.models import Sandbox, Subscription


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Load every lab, check its schema, its start and its reference solution, in each era it allows."

    def add_arguments(self, parser):
        parser.add_argument("--lab", help="Only this lab (its id).")
        parser.add_argument("--seed", type=int, default=0, help="Draw the labs' parameters with this seed.")

    def handle(self, *args, **options):
        try:
            labs = catalog.load()
        except LabError as error:
            raise CommandError(str(error)) from None
        if options["lab"]:
            if options["lab"] not in labs:
                raise CommandError(f"No lab {options['lab']!r}.")
            labs = {options["lab"]: labs[options["lab"]]}
        problems = []
        for lab in labs.values():
            for era in lab.eras:
                rng = random.Random(f"{options['seed']}-{lab.id}-{era}")
                found = self._validate(lab, era, lab_params.draw(lab, rng))
                line = f"{'ok ' if not found else 'FAIL'} {lab.id} ({lab.kind}, {era})"
                self.stdout.write(line + ("" if not found else ": " + "; ".join(found)))
                problems += [f"{lab.id} ({era}): {p}" for p in found]
        if problems:
            raise CommandError(f"{len(problems)} problem(s):\n" + "\n".join(problems))
        count = sum(1 for lab in labs.values() if lab.kind == "lab")
        scenarios = len(labs) - count
        self.stdout.write(f"{count} labs, {scenarios} scenarios: all reference solutions pass")

    def _validate(self, lab, era, params) -> list[str]:
        problems: list[str] = []
        try:
            with transaction.atomic():
                sandbox = Sandbox.objects.create(era=era)
                Subscription.objects.create(sandbox=sandbox)
                try:
                    engine.start(sandbox, lab, params)
                except ArmError as error:
                    problems.append(f"the start can't be deployed: {error}")
                    raise _Rollback from None
                start = checks.grade(sandbox, lab, params)
                if start.percent != lab.start_score:
                    problems.append(f"the start scores {start.percent}%, the lab says {lab.start_score}%")
                if start.percent >= lab.pass_mark:
                    problems.append(f"the start already passes ({start.percent}% >= {lab.pass_mark}%)")
                for result in start.results:
                    if result.passed and not result.check.negative:
                        problems.append(f"check '{result.check.id}' already passes at the start")
                try:
                    engine.apply(sandbox, lab.solution, params)
                except ArmError as error:
                    problems.append(f"the reference solution is refused: {error}")
                    raise _Rollback from None
                end = checks.grade(sandbox, lab, params)
                for result in end.results:
                    if not result.passed:
                        problems.append(f"check '{result.check.id}' fails after the solution: {result.message}")
                raise _Rollback
        except _Rollback:
            pass
        return problems
