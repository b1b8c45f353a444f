"""What a refused request must leave as it was: every row of the apps'
models but the sandboxes' own bookkeeping (issue #12)."""

import hashlib

from django.apps import apps
from django.db import connection

APPS = ("portal", "networking", "appservice", "aks")
# Written by any request, refused or not: the sandbox row (its page-cache
# generation, its era), its notifications' read marks.
VOLATILE = {"portal.sandbox", "portal.notification"}
# What a refused write adds on purpose: its "Failed" Activity log row
# (CLS-13, portal/refusals.py). Every other Activity log row is compared.
RECORDED_REFUSALS = {"portal.activitylogentry": {"status": "Failed"}}


def state_models() -> list:
    return [
        model
        for label in APPS
        for model in apps.get_app_config(label).get_models()
        if model._meta.label_lower not in VOLATILE and not model._meta.proxy
    ]


def fingerprint() -> dict[str, str]:
    """Per model of :func:`state_models`, a digest of its rows in key order."""
    digests = {}
    for model in state_models():
        digest = hashlib.sha256()
        rows = model.objects.exclude(**RECORDED_REFUSALS.get(model._meta.label_lower, {}))
        for row in rows.order_by("pk").values_list():
            digest.update(repr(row).encode())
        digests[model._meta.label] = digest.hexdigest()
    return digests


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The models whose rows differ."""
    return sorted(label for label in before.keys() | after.keys() if before.get(label) != after.get(label))


def foreign_keys_intact() -> list[str]:
    """Rows whose foreign keys name no row, as the database sees them:
    SQLite's ``foreign_key_check``; on PostgreSQL, a join per key (its
    constraints are checked at commit, so this finds none unless one is
    missing)."""
    problems = []
    for model in [m for label in APPS for m in apps.get_app_config(label).get_models()]:
        for fk in [f for f in model._meta.concrete_fields if f.is_relation and f.many_to_one]:
            orphans = model.objects.exclude(**{f"{fk.name}__isnull": True}).exclude(
                **{f"{fk.attname}__in": fk.related_model.objects.values("pk")}
            )
            if count := orphans.count():
                problems.append(f"{model._meta.label}.{fk.name}: {count} rows name no {fk.related_model._meta.label}")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            problems += [f"sqlite foreign_key_check: {row}" for row in cursor.execute("PRAGMA foreign_key_check")]
    return problems


class Writes:
    """Counts the INSERT, UPDATE and DELETE statements run on this thread's
    connection while it is open (``with Writes() as writes: ... writes.count``):
    a request that wrote nothing left every row as it was."""

    VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")

    def __init__(self) -> None:
        self.count = 0
        self._wrapper = None

    def _watch(self, execute, sql, params, many, context):
        if sql.lstrip()[:7].upper().startswith(self.VERBS):
            self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> "Writes":
        self._wrapper = connection.execute_wrapper(self._watch)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._wrapper.__exit__(*exc)
