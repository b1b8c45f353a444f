"""Queries compiled once, run many times.

The portal's hottest queries (the shell's sandbox read, the All resources
UNION over sixteen resource types) cost more to compile in the ORM than to
run. A :class:`PreparedQuery` builds its queryset once with sentinel values,
keeps the SQL, and on each run swaps the real values into the parameters.
Only plain parameters (ids, strings, datetimes) are supported, which is all
these queries use.

A :class:`PreparedInstances` does the same for a model queryset's first row
(``.first()``): it keeps the compiler of the queryset built with sentinel
values (its SQL, ``select``, ``klass_info``, converters) and on each run
executes that SQL with the real values and builds the instance the way
Django's ``ModelIterable`` does (``from_db`` plus a ``RelatedPopulator`` per
``select_related`` relation), so the caller gets the same instance with the
same related objects cached, without compiling the joins again. The SQL
differs per database vendor, so it is compiled once per vendor. A
sentinel's place in the parameters is found by its form there: as itself,
as a UUID's hex (SQLite), or inside a string, escaped for ``LIKE`` when the
lookup escapes it (``__iexact`` on SQLite): the real value then gets the
same escaping, so ``%`` and ``_`` in a name never act as wildcards.
``portal.access.get_in_group`` uses it for every blade's lookup; its
``all`` gives every row's instance instead (the locks above a resource, a
page of a VNet's subnets, with the page's LIMIT as a suffix).
"""

import uuid
from collections.abc import Callable
from weakref import ref as weak_ref

from django.db import connection, connections
from django.db.models.query import ModelIterable, _get_from_db, get_related_populators


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
        return self.convert(self.rows(**values))

    def convert(self, rows: list[tuple]) -> list[tuple]:
        """Rows as :meth:`rows` gives them (the database's values), as
        :meth:`values` gives them (through the fields' converters)."""
        self._compile()
        if not self._converters or not rows:
            return rows
        # Column by column: a snapshot reads thousands of rows, and the
        # converters run once per value of the columns that have any.
        columns = list(zip(*rows, strict=True))
        for pos, (converters, expression) in self._converters:
            columns[pos] = _convert_column(columns[pos], converters, expression)
        return list(zip(*columns, strict=True))


def _convert_column(column, converters, expression) -> list:
    """One column's values through its converters. A snapshot's JSON columns
    repeat a few texts thousands of times ("[]", '["*"]', a list of service
    endpoints): each distinct text is decoded once, and a flat list is
    handed out as a new list each time, so no two rows share one a caller
    could change."""
    decoded: dict[str, tuple] = {}
    out = []
    for raw in column:
        if isinstance(raw, str):
            flat = decoded.get(raw)
            if flat is not None:
                out.append(list(flat))
                continue
        value = raw
        for convert in converters:
            value = convert(value, expression, connection)
        if isinstance(raw, str) and isinstance(value, list) and all(type(v) in _SCALARS for v in value):
            decoded[raw] = tuple(value)
        out.append(value)
    return out


_SCALARS = frozenset({str, int, float, bool})


# A sandbox's pk no sandbox has: what a prepared per-sandbox query is compiled with.
_SANDBOX_SENTINEL = -7_700_000_001
_PER_SANDBOX: dict[str, PreparedValues] = {}


def _per_sandbox(key: str, build: Callable[[int], object]) -> PreparedValues:
    prepared = _PER_SANDBOX.get(key)
    if prepared is None:
        prepared = _PER_SANDBOX.setdefault(
            key, PreparedValues(lambda sandbox_pk: build(sandbox_pk), sandbox_pk=_SANDBOX_SENTINEL)
        )
    return prepared


def sandbox_rows(key: str, sandbox_pk: int, build: Callable[[int], object]) -> list[tuple]:
    """The rows of ``build(sandbox_pk)``, a ``values_list`` queryset, compiled
    once per ``key`` (the first call's ``build`` is the one kept)."""
    return _per_sandbox(key, build).values(sandbox_pk=sandbox_pk)


def sandbox_raw_rows(key: str, sandbox_pk: int, build: Callable[[int], object]) -> tuple[list[tuple], PreparedValues]:
    """As :func:`sandbox_rows`, but the rows as the database gives them (no
    converter run yet) and the prepared query whose ``convert`` turns them
    into :func:`sandbox_rows`'s: a caller that keeps what it made of the
    last rows can compare the new ones first (networking/snapshot.py)."""
    prepared = _per_sandbox(key, build)
    return prepared.rows(sandbox_pk=sandbox_pk), prepared


def _coerce(sentinel, value):
    """``value`` as the sentinel's type (a subscription id given as text)."""
    if isinstance(sentinel, uuid.UUID) and not isinstance(value, uuid.UUID):
        return uuid.UUID(str(value))
    return value


def _param_plan(params: list, sentinels: dict, ops) -> list:
    """For each compiled parameter, how to make it from the real values:
    ``None`` (a constant), or ``(name, make)`` with ``make(value, param)``."""

    def exact(name, form):
        return lambda value, param: form(_coerce(sentinels[name], value))

    def inside(name, form, escape):
        return lambda value, param: param.replace(form, escape(value))

    plan = []
    for param in params:
        step = None
        for name, sentinel in sentinels.items():
            if param == sentinel and type(param) is type(sentinel):
                step = (name, exact(name, lambda v: v))
            elif isinstance(sentinel, uuid.UUID) and param == sentinel.hex:
                step = (name, exact(name, lambda v: v.hex))
            elif isinstance(sentinel, uuid.UUID) and param == str(sentinel):
                step = (name, exact(name, str))
            elif isinstance(sentinel, str) and isinstance(param, str):
                escaped = ops.prep_for_like_query(sentinel)
                if escaped != sentinel and escaped in param:
                    step = (name, inside(name, escaped, lambda v: ops.prep_for_like_query(str(v))))
                elif sentinel in param:
                    step = (name, inside(name, sentinel, str))
            if step:
                break
        plan.append(step)
    return plan


class _CompiledInstances:
    """One vendor's compiled ``.first()`` (or every row, ``first=False``):
    what ``ModelIterable`` reads off the compiler after it has run the query."""

    def __init__(self, queryset, sentinels: dict, *, first: bool = True):
        if queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups:
            raise ValueError("PreparedInstances supports plain model querysets only")
        if queryset._known_related_objects:
            raise ValueError("PreparedInstances does not support related managers' querysets")
        if queryset.query.is_sliced:
            raise ValueError("PreparedInstances takes a slice as a suffix (LIMIT %s OFFSET %s), not in the queryset")
        if first:
            if not queryset.ordered and queryset.query.default_ordering:
                queryset = queryset.order_by("pk")  # as QuerySet.first()
            queryset = queryset[:1]
        self.db = queryset.db
        self.fetch_mode = queryset._fetch_mode
        compiler = queryset.query.get_compiler(using=self.db)
        sql, params = compiler.as_sql()
        self.sql = sql
        self.params = list(params)
        self.plan = _param_plan(self.params, sentinels, compiler.connection.ops)
        self.select, self.klass_info = compiler.select, compiler.klass_info
        self.annotation_col_map = compiler.annotation_col_map
        self.col_count = compiler.col_count if compiler.has_extra_select else None
        fields = [s[0] for s in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise ValueError("PreparedInstances does not support composite fields")
        self.converters = list(compiler.get_converters(fields).items())
        model_cls = self.klass_info["model"]
        select_fields = self.klass_info["select_fields"]
        self.start, self.end = select_fields[0], select_fields[-1] + 1
        self.init_list = [f[0].target.attname for f in self.select[self.start : self.end]]
        self.from_db = _get_from_db(model_cls, self.fetch_mode)

    def rows(self, values: dict, suffix: str = "", extra: tuple = ()) -> list:
        """The instances of the rows, as ``ModelIterable`` builds them."""
        params = [
            param if step is None else step[1](values[step[0]], param)
            for param, step in zip(self.params, self.plan, strict=True)
        ]
        conn = connections[self.db]
        with conn.cursor() as cursor:
            cursor.execute(self.sql + suffix, params + list(extra))
            fetched = cursor.fetchall()
        # Populators keep per-run state (their peers): new ones each run.
        populators = get_related_populators(self.klass_info, self.select, self.db, self.fetch_mode)
        peers: list = []
        objects = []
        for row in fetched:
            row = list(row[: self.col_count] if self.col_count else row)
            for pos, (converters, expression) in self.converters:
                value = row[pos]
                for convert in converters:
                    value = convert(value, expression, conn)
                row[pos] = value
            obj = self.from_db(self.db, self.init_list, row[self.start : self.end])
            if self.fetch_mode.track_peers:
                peers.append(weak_ref(obj))
                obj._state.peers = peers
            for populator in populators:
                populator.populate(row, obj)
            for attr_name, col_pos in self.annotation_col_map.items():
                setattr(obj, attr_name, row[col_pos])
            objects.append(obj)
        return objects


class PreparedInstances:
    """``build(**values).first()``, compiled once per database vendor: the
    same model instance, with the same ``select_related`` objects (and
    annotations), as the ORM's. :meth:`all` gives every row's, a slice of
    them given as ``suffix=" LIMIT %s OFFSET %s"`` and its ``extra``
    parameters."""

    _first = True

    def __init__(self, build: Callable[..., object], **sentinels):
        self._build = build
        self._sentinels = sentinels
        self._compiled: dict[tuple[str, bool], _CompiledInstances] = {}

    def _compile(self, first: bool) -> _CompiledInstances:
        key = (connection.vendor, first)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = _CompiledInstances(self._build(**self._sentinels), self._sentinels, first=first)
            self._compiled[key] = compiled
        return compiled

    def first(self, **values):
        found = self._compile(True).rows(values)
        return found[0] if found else None

    def all(self, *, suffix: str = "", extra: tuple = (), **values) -> list:
        return self._compile(False).rows(values, suffix, extra)
