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
