"""Bulk SQL for the importer: parameterised multi-row statements on Django's connection.

Per-row ORM saves cannot load a million rows in reasonable time, so the importer
writes plain tuples, many rows to one ``INSERT``. Table and column names come from the models' metadata, values
are always bound parameters, and the same code runs on SQLite and PostgreSQL. Rows
that others must reference get their primary keys up front (:meth:`Bulk.allocate_ids`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any

from django.db import connection
from django.db.models import Model

# Stay under every backend's limit of bound parameters in one statement.
IN_CHUNK = 900
# Rows per INSERT statement: many rows in one VALUES list cost a fraction of executemany's
# per-row round trip (measured on SQLite: 1.5 µs a row against 8 µs).
ROWS_PER_INSERT = 200


class Bulk:
    """Writes and reads rows in bulk inside the caller's transaction, which fails whole
    when the database refuses a row (a refused insert leaves the rows it wrote before).

    Every statement runs at once, in order, on the calling thread. (An earlier version
    ran the writes on a helper thread over the same connection; a read or a schema
    change of the importing thread could then interleave with a half-run write, and
    SQLite refused the schema change. Overlap now comes from reading the file in a
    worker process, see ``import_worker``.)
    """

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.ops = connection.ops
        self.cursor = connection.cursor()
        connection.ensure_connection()
        self._raw = driver_cursor(connection.connection)
        self._next_id: dict[str, int] = {}
        self._insert_sql: dict[tuple[str, tuple[str, ...], int, int, tuple[int, ...]], str] = {}

    @property
    def raw_cursor(self) -> Any:
        """The driver's own cursor (see :func:`driver_cursor`), for reads that send many
        values apart from the statement."""
        return self._raw

    def close(self) -> None:
        """Release the cursors."""
        self._raw.close()
        self.cursor.close()

    # -- values -----------------------------------------------------------------------

    def when(self, value: dt.datetime | None) -> Any:
        """An aware datetime as this backend stores it."""
        if value is None:
            return None
        if self.vendor == "sqlite":
            return sqlite_time(value)
        return self.ops.adapt_datetimefield_value(value)

    def day(self, value: dt.date | None) -> Any:
        return None if value is None else self.ops.adapt_datefield_value(value)

    def json(self, value: Any) -> Any:
        if self.vendor == "sqlite":
            return json.dumps(value, ensure_ascii=False)
        return self.ops.adapt_json_value(value, None)

    # -- statements -------------------------------------------------------------------

    def table(self, model: type[Model]) -> str:
        return self.ops.quote_name(model._meta.db_table)

    def column(self, model: type[Model], field: str) -> str:
        return self.ops.quote_name(str(model._meta.get_field(field).column))  # type: ignore[union-attr]

    @property
    def mark(self) -> str:
        """The driver's parameter placeholder (statements here bypass Django's rewriting)."""
        return "?" if self.vendor == "sqlite" else "%s"

    def run(self, sql: str, params: list) -> None:
        """Run one statement written with :attr:`mark` placeholders."""
        self._raw.execute(sql, params)

    def insert(self, model: type[Model], fields: Sequence[str], rows: list[tuple]) -> None:
        """``INSERT`` many rows; ``fields`` are model field names in the order of each tuple."""
        columns = tuple(self.column(model, f) for f in fields)
        self.insert_into(self.table(model), columns, rows)

    def insert_into(self, table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
        """``INSERT`` many rows into a table by its quoted name and column names
        (on PostgreSQL with ``COPY``, its fastest way in)."""
        if not rows:
            return
        if self.vendor == "postgresql":
            with self._raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for start, count in statement_rows(len(rows)):
            chunk = rows[start : start + count]
            self.run(self._insert(table, columns, count), list(chain.from_iterable(chunk)))

    def insert_flat(
        self,
        model: type[Model],
        fields: Sequence[str],
        values: list,
        fixed: dict[str, Any] | None = None,
        *,
        utf8: Sequence[str] = (),
    ) -> None:
        """``INSERT`` rows given one after another in one flat list of values (what a
        writer builds without making a tuple per row); ``fields`` as for :meth:`insert`.

        ``fixed``: columns (model field names) that hold the same value in every row,
        left out of ``values``. On SQLite each is bound once per statement, as numbered
        parameters that every row refers to; binding is a good part of an insert's cost.

        ``utf8``: fields whose values are text given as its UTF-8 bytes (as a JSON encoder
        gives it). SQLite stores them as text itself (``CAST``), which spares decoding the
        bytes, carrying the text and encoding it again to bind it; on PostgreSQL they are
        decoded in ``values``.
        """
        if not values:
            return
        fixed = fixed or {}
        columns = tuple(self.column(model, f) for f in (*fields, *fixed))
        width = len(fields)
        constants = list(fixed.values())
        texts = tuple(fields.index(f) for f in utf8)
        if self.vendor == "postgresql":
            for position in texts:
                values[position::width] = [v.decode() for v in values[position::width]]
            rows = [values[i : i + width] + constants for i in range(0, len(values), width)]
            self.insert_into(self.table(model), columns, rows)
            return
        table = self.table(model)
        for start, count in statement_rows(len(values) // width):
            chunk = values[start * width : (start + count) * width]
            sql = self._insert(table, columns, count, fixed=len(constants), texts=texts)
            self.run(sql, constants + chunk if constants else chunk)

    def _insert(
        self,
        table: str,
        columns: Sequence[str],
        count: int,
        fixed: int = 0,
        texts: tuple[int, ...] = (),
    ) -> str:
        """The SQL of a ``count`` -row insert into ``columns``, the last ``fixed`` of which
        take the statement's first parameters (SQLite's numbered ``?N``) in every row, and
        those at the positions ``texts`` bytes cast to text."""
        key = (table, tuple(columns), count, fixed, texts)
        sql = self._insert_sql.get(key)
        if sql is None:
            width = len(columns) - fixed
            if fixed:
                marks = [
                    [f"?{fixed + 1 + r * width + c}" for c in range(width)] for r in range(count)
                ]
            else:
                marks = [[self.mark] * width for _ in range(count)]
            for row in marks:
                for c in texts:
                    row[c] = f"CAST({row[c]} AS TEXT)"
            tail = "".join(f", ?{n}" for n in range(1, fixed + 1))
            rows = ", ".join("(" + ", ".join(row) + tail + ")" for row in marks)
            # OR FAIL: a row the database refuses stops the statement and leaves the rows
            # before it, for the caller's transaction to roll back (every caller runs in
            # one, and fails whole). SQLite's default, ABORT, undoes the statement itself,
            # so every page a statement changes is first copied to a statement journal:
            # 4 GB of a temporary file for a million-row load (a fifth of the writing)
            or_fail = " OR FAIL" if self.vendor == "sqlite" else ""
            sql = f"INSERT{or_fail} INTO {table} ({', '.join(columns)}) VALUES {rows}"
            self._insert_sql[key] = sql
        return sql

    def update(
        self, model: type[Model], fields: Sequence[str], rows: list[tuple], where: str = "id"
    ) -> None:
        """``UPDATE … SET fields WHERE where = last value`` for each tuple."""
        if not rows:
            return
        m = self.mark
        sets = ", ".join(f"{self.column(model, f)} = {m}" for f in fields)
        sql = f"UPDATE {self.table(model)} SET {sets} WHERE {self.column(model, where)} = {m}"
        for row in rows:
            self.run(sql, list(row))

    def set_where_in(
        self, model: type[Model], assignments: dict[str, Any], ids: Iterable[int]
    ) -> None:
        """``UPDATE … SET a = x, … WHERE id IN (…)`` in chunks."""
        m = self.mark
        sets = ", ".join(f"{self.column(model, f)} = {m}" for f in assignments)
        values = list(assignments.values())
        for chunk in chunks(list(ids), IN_CHUNK):
            marks = ", ".join([m] * len(chunk))
            self.run(
                f"UPDATE {self.table(model)} SET {sets} WHERE id IN ({marks})", [*values, *chunk]
            )

    def select_in(
        self,
        model: type[Model],
        fields: Sequence[str],
        column: str,
        values: Iterable[Any],
        extra: str = "",
        extra_params: Sequence[Any] = (),
    ) -> Iterator[tuple]:
        """Rows of ``fields`` where ``column`` is one of ``values`` (and ``extra`` SQL holds)."""
        selected = ", ".join(self.column(model, f) for f in fields)
        for chunk in chunks(list(values), IN_CHUNK):
            marks = ", ".join(["%s"] * len(chunk))
            sql = (
                f"SELECT {selected} FROM {self.table(model)} "
                f"WHERE {self.column(model, column)} IN ({marks}) {extra}"
            )
            self.cursor.execute(sql, [*chunk, *extra_params])
            yield from self.cursor.fetchall()

    def select_keys(
        self,
        model: type[Model],
        fields: Sequence[str],
        keys: Iterable[tuple[str, str]],
        key_fields: tuple[str, str],
    ) -> Iterator[tuple]:
        """Rows whose ``key_fields`` pair is one of ``keys`` (grouped by the first part)."""
        by_first: dict[str, list[str]] = {}
        for first, second in keys:
            by_first.setdefault(first, []).append(second)
        condition = f"AND {self.column(model, key_fields[0])} = %s"
        for first, seconds in by_first.items():
            yield from self.select_in(model, fields, key_fields[1], seconds, condition, [first])

    def exists(self, model: type[Model]) -> bool:
        """Whether the table of ``model`` holds any row."""
        self.cursor.execute(f"SELECT 1 FROM {self.table(model)} LIMIT 1")
        return self.cursor.fetchone() is not None

    # -- keys -------------------------------------------------------------------------

    def allocate_ids(self, model: type[Model], count: int) -> list[int]:
        """Reserve ``count`` primary keys of ``model`` for rows this transaction inserts."""
        if count == 0:
            return []
        table = model._meta.db_table
        if self.vendor == "postgresql":
            self.cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [self.table(model), count],
            )
            return [row[0] for row in self.cursor.fetchall()]
        start = self._next_id.get(table)
        if start is None:
            # SQLite: the transaction holds the write lock, so the next keys are ours
            self.cursor.execute(f"SELECT MAX(id) FROM {self.table(model)}")
            top = self.cursor.fetchone()[0] or 0
            self.cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = self.cursor.fetchone()
            start = max(top, seq[0] if seq else 0) + 1
        self._next_id[table] = start + count
        return list(range(start, start + count))


def sqlite_time(value: dt.datetime) -> str:
    """An aware datetime as Django's SQLite backend stores it: naive UTC text (what
    ``value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")`` gives, in a third of the
    time and without the backend's per-call checks: an import converts one a row)."""
    naive = dt.datetime.combine(value, value.time())
    offset = value.utcoffset()
    return (naive - offset if offset else naive).isoformat(" ")


@contextmanager
def sqlite_pragma(cursor: Any, name: str, value: int) -> Iterator[None]:
    """SQLite's ``PRAGMA name = value`` for the block, then the value it had before."""
    cursor.execute(f"PRAGMA {name}")
    before = int(cursor.fetchone()[0])
    cursor.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA {name} = {before}")


def driver_cursor(raw_connection: Any) -> Any:
    """A cursor of the database driver itself. On PostgreSQL one that sends parameters
    apart from the statement (Django's own cursors quote every value into the SQL text,
    which for thousands of values a statement costs more than the insert)."""
    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.Cursor(raw_connection)
    return raw_connection.cursor()


def statement_rows(total: int) -> Iterator[tuple[int, int]]:
    """``(first row, rows)`` of each ``INSERT`` that writes ``total`` rows: full statements
    of :data:`ROWS_PER_INSERT` rows, then the rest in falling powers of two (137 rows: 128,
    8, 1). So a table's inserts come in a handful of sizes, whose statements the driver's
    cache keeps compiled; a statement for each odd rest would be compiled anew every batch
    (a 100-row statement takes longer to compile than to run).
    """
    start = 0
    while start < total:
        count = min(ROWS_PER_INSERT, total - start)
        if count < ROWS_PER_INSERT:
            count = 1 << (count.bit_length() - 1)
        yield start, count
        start += count


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
