"""Queries compiled once, run many times.

The portal's hottest queries (the shell's sandbox read, the All resources
UNION over sixteen resource types) cost more to compile in the ORM than to
run. A :class:`PreparedQuery` builds its queryset once with sentinel values,
keeps the SQL, and on each run swaps the real values into the parameters.
Only plain parameters (ids, strings, datetimes) are supported, which is all
these queries use.
"""

from collections.abc import Callable

from django.db import connection


class Sentinel:
    """A placeholder value whose occurrences in the parameters are replaced."""

    def __init__(self, name: str, value):
        self.name = name
        self.value = value


class PreparedQuery:
    def __init__(self, build: Callable[..., object], **sentinels):
        self._build = build
        self._sentinels = {name: Sentinel(name, value) for name, value in sentinels.items()}
        self._compiled: tuple[str, list] | None = None

    def _compile(self):
        if self._compiled is None:
            queryset = self._build(**{name: s.value for name, s in self._sentinels.items()})
            sql, params = queryset.query.sql_with_params()
            self._compiled = (sql, list(params))
        return self._compiled

    def _params(self, values: dict) -> list:
        sql, params = self._compile()
        out = []
        for param in params:
            for name, sentinel in self._sentinels.items():
                if param == sentinel.value:
                    param = values[name]
                    break
                if isinstance(param, str) and isinstance(sentinel.value, str) and sentinel.value in param:
                    param = param.replace(sentinel.value, values[name])
                    break
            out.append(param)
        return out

    def rows(self, *, suffix: str = "", extra: tuple = (), **values) -> list[tuple]:
        sql, _ = self._compile()
        with connection.cursor() as cursor:
            cursor.execute(sql + suffix, self._params(values) + list(extra))
            return cursor.fetchall()

    def count(self, **values) -> int:
        sql, _ = self._compile()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS prepared_count", self._params(values))
            return cursor.fetchone()[0]


class PreparedValues(PreparedQuery):
    """A ``values_list`` queryset compiled once: its rows as the ORM would
    give them (each column through its field's converters: JSON decoded,
    booleans and UUIDs as Python's), without compiling it again."""

    def _compile(self):
        if self._compiled is None:
            queryset = self._build(**{name: s.value for name, s in self._sentinels.items()})
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
            fields = [s[0] for s in compiler.select[: compiler.col_count]]
            self._converters = list(compiler.get_converters(fields).items())
            self._compiled = (sql, list(params))
        return self._compiled

    def values(self, **values) -> list[tuple]:
        rows = self.rows(**values)
        if not self._converters:
            return rows
        out = []
        for row in rows:
            row = list(row)
            for pos, (converters, expression) in self._converters:
                value = row[pos]
                for convert in converters:
                    value = convert(value, expression, connection)
                row[pos] = value
            out.append(tuple(row))
        return out


# A sandbox's pk no sandbox has: what a prepared per-sandbox query is compiled with.
_SANDBOX_SENTINEL = -7_700_000_001
_PER_SANDBOX: dict[str, PreparedValues] = {}


def sandbox_rows(key: str, sandbox_pk: int, build: Callable[[int], object]) -> list[tuple]:
    """The rows of ``build(sandbox_pk)``, a ``values_list`` queryset, compiled
    once per ``key`` (the first call's ``build`` is the one kept)."""
    prepared = _PER_SANDBOX.get(key)
    if prepared is None:
        prepared = _PER_SANDBOX.setdefault(
            key, PreparedValues(lambda sandbox_pk: build(sandbox_pk), sandbox_pk=_SANDBOX_SENTINEL)
        )
    return prepared.values(sandbox_pk=sandbox_pk)
