"""Write a run's scores and transition events in bulk, inside the caller's transaction:
``COPY`` on PostgreSQL, ``executemany`` on SQLite (its loop over the rows runs in C)."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pcsv
from django.db import connection
from django.db.models import Model

from idic.differentiate.models import CustomerScore, StageTransition

COPY_BATCH_ROWS = 200_000
SQLITE_BATCH_ROWS = 100_000


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
    # a column null in every row is left out: the database fills in null itself
    kept = [n for n in data.column_names if data.column(n).null_count < data.num_rows]
    columns = ", ".join(_columns(model, kept))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['?'] * len(kept))})"
    cursor = raw.cursor()
    try:
        # in batches: Python objects for a million rows of 26 columns would need gigabytes
        for batch in data.select(kept).to_batches(max_chunksize=SQLITE_BATCH_ROWS):
            rows = zip(*(column.to_pylist() for column in batch.columns), strict=True)
            cursor.executemany(sql, rows)
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
