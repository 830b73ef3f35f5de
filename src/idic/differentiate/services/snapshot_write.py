"""Write a run's scores and transition events in bulk, inside the caller's transaction:
``COPY`` on PostgreSQL, multi-row ``INSERT`` on SQLite."""

from __future__ import annotations

import io
from itertools import chain

import pyarrow as pa
import pyarrow.csv as pcsv
from django.db import connection
from django.db.models import Model

from idic.differentiate.models import CustomerScore, StageTransition

# SQLite allows 32,766 bound values per statement; 26 columns × 1,000 rows stay below.
SQLITE_VALUES_PER_INSERT = 26_000
COPY_BATCH_ROWS = 200_000


def _columns(model: type[Model], names: list[str]) -> list[str]:
    quote = connection.ops.quote_name
    fields = {f.name: f.column for f in model._meta.concrete_fields}
    return [quote(fields[n.removesuffix("_id")]) for n in names]


def bulk_insert(model: type[Model], data: pa.Table) -> int:
    """Insert every row of ``data`` (columns named as the model's fields, ``x_id`` for a
    foreign key ``x``) into ``model``'s table. Returns the row count."""
    if data.num_rows == 0:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(_columns(model, data.column_names))
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy,
        ):
            for batch in data.to_batches(max_chunksize=COPY_BATCH_ROWS):
                buffer = io.BytesIO()
                pcsv.write_csv(batch, buffer, pcsv.WriteOptions(include_header=False))
                copy.write(buffer.getvalue())
        return data.num_rows
    width = data.num_columns
    per_insert = max(1, SQLITE_VALUES_PER_INSERT // width)
    values = [data.column(i).to_pylist() for i in range(width)]
    one = "(" + ", ".join(["?"] * width) + ")"
    statements: dict[int, str] = {}
    cursor = raw.cursor()
    try:
        for start in range(0, data.num_rows, per_insert):
            stop = min(start + per_insert, data.num_rows)
            sql = statements.get(stop - start)
            if sql is None:
                sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([one] * (stop - start))
                statements[stop - start] = sql
            rows = zip(*(column[start:stop] for column in values), strict=True)
            cursor.execute(sql, list(chain.from_iterable(rows)))
    finally:
        cursor.close()
    return data.num_rows


def write_scores(*, run_id: int, scores: pa.Table) -> int:
    """One ``CustomerScore`` per row of ``scores`` (snapshot columns, ``customer_id``)."""
    data = scores.add_column(0, "run_id", pa.repeat(pa.scalar(run_id, pa.int64()), scores.num_rows))
    return bulk_insert(CustomerScore, data)


def write_transitions(*, run_id: int, events: pa.Table) -> dict[str, int]:
    """One ``StageTransition`` per row of ``events`` (customer_id, kind, from_stage,
    to_stage); returns the count per kind."""
    data = events.add_column(0, "run_id", pa.repeat(pa.scalar(run_id, pa.int64()), events.num_rows))
    bulk_insert(StageTransition, data)
    kinds = events.column("kind").to_pylist()
    return {kind: kinds.count(kind) for kind in sorted(set(kinds))}
