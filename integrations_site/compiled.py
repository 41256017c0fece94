"""`.values()` QuerySets compiled once per database connection, for hot reads of one shape.

Building and compiling a QuerySet costs more here than a short query's round trip (0.5 to
1 ms a request, against a database call of 0.2 ms). `CompiledValues(build, **fields)` builds
`build(**values)` once per connection with stand-in values, finds where each lands among the
SQL parameters, and from then on runs that SQL with the real values, prepared for the database
by the same model fields, through the same compiler: rows come back exactly as the QuerySet
itself returns them (its converters applied).

Only for shapes whose SQL never depends on the values: a value compared with `=`, `<` or `>`,
never None, never a list. A shape whose stand-ins can't all be found runs its QuerySet every
time (correct, only slower)."""

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from random import randrange
from typing import Any
from weakref import WeakKeyDictionary

from django.db import connections, models

# What each kind of field is compared with, made up: no stored value or constant equals it.
_STAND_INS: dict[type, Callable[[], Any]] = {
    models.UUIDField: uuid.uuid4,
    models.DateTimeField: lambda: datetime(1971, 2, 3, 4, 5, 6, randrange(1, 999_999), tzinfo=UTC),
}


def _stand_in(field: models.Field) -> Any:
    target = field.target_field if field.is_relation else field
    for kind, make in _STAND_INS.items():
        if isinstance(target, kind):
            return make()
    raise TypeError(f"No stand-in value for {type(target).__name__}.")


def _fixed(sql: str, params: tuple) -> tuple[str, tuple]:
    return sql, params


class _Plan:
    def __init__(self, queryset: models.QuerySet, stand_ins: dict[str, Any], fields) -> None:
        query = queryset.query
        self.connection = connections[queryset.db]
        self.compiler = query.get_compiler(connection=self.connection)
        sql, params = self.compiler.as_sql()  # also sets up the compiler's columns
        self.sql, self.params = sql, list(params)
        self.slots: list[tuple[int, str]] = []
        for name, value in stand_ins.items():
            prepared = fields[name].get_db_prep_value(value, self.connection)
            found = [i for i, param in enumerate(self.params) if param == prepared]
            self.slots += [(i, name) for i in found]
        self.complete = {name for _, name in self.slots} == set(stand_ins)
        self.names = (
            list(query.selected)
            if getattr(query, "selected", None)
            else [*query.extra_select, *query.values_select, *query.annotation_select]
        )


class CompiledValues:
    """`build(**values)` makes the `.values()` QuerySet; `fields` names the model field each
    value is compared with (a ForeignKey for its related id)."""

    def __init__(self, build: Callable[..., models.QuerySet], **fields: models.Field) -> None:
        self._build = build
        self._fields = fields
        self._plans: WeakKeyDictionary = WeakKeyDictionary()  # per connection (one a thread)
        self._lock = threading.Lock()
        self._alias: str | None = None

    def __call__(self, **values: Any) -> list[dict[str, Any]]:
        plan = self._plan()
        if plan is None:
            return list(self._build(**values))
        params = list(plan.params)
        for index, name in plan.slots:
            params[index] = self._fields[name].get_db_prep_value(values[name], plan.connection)
        compiler = plan.compiler
        compiler.as_sql = partial(_fixed, plan.sql, tuple(params))
        names, indexes = plan.names, range(len(plan.names))
        return [{names[i]: row[i] for i in indexes} for row in compiler.results_iter()]

    def _plan(self) -> _Plan | None:
        connection = connections[self._alias] if self._alias else None
        plan = self._plans.get(connection) if connection is not None else None
        if plan is None:
            stand_ins = {name: _stand_in(field) for name, field in self._fields.items()}
            plan = _Plan(self._build(**stand_ins), stand_ins, self._fields)
            with self._lock:
                self._alias = plan.connection.alias
                self._plans[plan.connection] = plan
        return plan if plan.complete else None
