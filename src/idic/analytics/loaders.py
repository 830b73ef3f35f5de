"""Bulk readers from the operational store's database drivers into Arrow tables.

No row passes through Python on its own: each reader lets the database render many
rows as text in C and hands the text to Arrow's multi-threaded CSV parser.

- SQLite has no ``COPY``; :func:`read_sqlite` asks it for one ``group_concat`` per
  column over a range of primary keys (one text value of ~250,000 lines per column),
  so a chunk costs a single ``fetchone``. Chunks run on all the connections given
  at once (the sqlite3 module releases the GIL while SQLite works).
- PostgreSQL streams ``COPY (query) TO STDOUT (FORMAT csv)`` (:func:`read_postgres`).

This module knows drivers, not Django: callers pass connection factories or cursors.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

CHUNK_ROWS = 250_000
# PostgreSQL COPY data is parsed in pieces of about this many bytes
COPY_PIECE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    """One column to read: its Arrow name and type, and the SQL expression that yields it.

    ``sql`` must produce text Arrow can parse as ``type`` (numbers, ISO timestamps) or
    NULL; string columns are quoted by the reader. ``cents`` marks a money column of two
    decimals: SQLite sends it as whole cents (integers print much faster than floats)
    and the reader divides by 100, which gives exactly the float the decimal text would.
    """

    name: str
    sql: str
    type: pa.DataType
    cents: bool = False
    nullable: bool = True


def _parse_lines(data: bytes, column: Column) -> pa.ChunkedArray:
    """Parse newline-separated values of one column (empty line = null)."""
    is_text = pa.types.is_string(column.type)
    table = pcsv.read_csv(
        io.BytesIO(data),
        read_options=pcsv.ReadOptions(column_names=["v"], use_threads=True),
        parse_options=pcsv.ParseOptions(ignore_empty_lines=False, newlines_in_values=is_text),
        convert_options=pcsv.ConvertOptions(
            column_types={"v": column.type},
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    return table.column("v")


def _sqlite_value(column: Column) -> str:
    if pa.types.is_string(column.type):
        value = f"""'"' || replace({column.sql}, '"', '""') || '"'"""
    elif column.cents:
        value = f"cast(round({column.sql} * 100) as integer)"
    else:
        value = column.sql
    # group_concat skips NULLs, which would misalign the columns: NULL becomes an empty line
    return f"coalesce({value}, '')" if column.nullable else value


def _parse_sqlite(data: bytes, column: Column) -> pa.ChunkedArray:
    if not column.cents:
        return _parse_lines(data, column)
    cents = _parse_lines(data, Column(column.name, column.sql, pa.int64()))
    return pc.divide(cents.cast(pa.float64()), 100.0)


def read_sqlite(
    connections: Sequence[Any],
    *,
    table: str,
    columns: Sequence[Column],
    where: str = "",
    id_column: str = "id",
    chunk_rows: int = CHUNK_ROWS,
) -> pa.Table:
    """Read ``columns`` of every row of ``table`` (optionally filtered by ``where``).

    Args:
        connections: open ``sqlite3`` connections to the database; chunks are read on
            all of them at once (the caller opens and closes them).
        table: quoted table name.
        columns: what to read; ``Column.sql`` refers to the table's columns.
        where: an extra SQL condition (no parameters), e.g. ``"merged_into_id IS NULL"``.
        id_column: the integer primary key that splits the table into chunks.
        chunk_rows: primary-key range per chunk.
    """
    if not columns:
        raise ValueError("read_sqlite needs at least one column to read")
    if not connections:
        raise ValueError("read_sqlite needs at least one connection")
    aggregates = ", ".join(f"group_concat({_sqlite_value(c)}, char(10))" for c in columns)
    condition = f" AND ({where})" if where else ""
    sql = (
        f"SELECT count(*), {aggregates} FROM {table} "
        f"WHERE {id_column} >= ? AND {id_column} < ?{condition}"
    )
    schema = pa.schema([(c.name, c.type) for c in columns])
    bounds = f"SELECT min({id_column}), max({id_column}) FROM {table}" + (
        f" WHERE {where}" if where else ""
    )
    low, high = connections[0].execute(bounds).fetchone()
    if low is None:
        return schema.empty_table()
    starts = list(range(int(low), int(high) + 1, chunk_rows))

    def chunk(con: Any, start: int) -> pa.Table | None:
        count, *texts = con.execute(sql, (start, start + chunk_rows)).fetchone()
        if not count:
            return None
        arrays = [
            # the final newline keeps a trailing empty value (null) as a line of its own
            _parse_sqlite((text + "\n").encode("utf-8"), c)
            for text, c in zip(texts, columns, strict=True)
        ]
        return pa.Table.from_arrays(arrays, schema=schema)

    def worker(index: int) -> list[tuple[int, pa.Table]]:
        con = connections[index]
        out = []
        for k in range(index, len(starts), len(connections)):
            part = chunk(con, starts[k])
            if part is not None:
                out.append((k, part))
        return out

    if len(connections) == 1:
        found = worker(0)
    else:
        with ThreadPoolExecutor(len(connections)) as pool:
            found = [p for ps in pool.map(worker, range(len(connections))) for p in ps]
    parts = [part for _, part in sorted(found, key=lambda kp: kp[0])]
    return pa.concat_tables(parts) if parts else schema.empty_table()


def read_postgres(cursor: Any, *, query: str, columns: Sequence[Column]) -> pa.Table:
    """Run ``COPY (query) TO STDOUT (FORMAT csv)`` on a psycopg cursor into an Arrow table.

    ``query`` selects exactly ``columns``, in order (``Column.sql`` is not used here).
    """
    schema = pa.schema([(c.name, c.type) for c in columns])
    options = {
        "read_options": pcsv.ReadOptions(column_names=schema.names),
        "parse_options": pcsv.ParseOptions(newlines_in_values=True),
        "convert_options": pcsv.ConvertOptions(
            column_types=dict(zip(schema.names, schema.types, strict=True)),
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t", "true"],
            false_values=["f", "false"],
        ),
    }
    parts: list[pa.Table] = []
    pending: list[bytes] = []
    size = 0

    def flush(last: bool) -> None:
        nonlocal pending, size
        data = b"".join(pending)
        cut = len(data) if last else data.rfind(b"\n") + 1
        if cut:
            parts.append(pcsv.read_csv(io.BytesIO(data[:cut]), **options))
        rest = data[cut:]
        pending, size = ([rest], len(rest)) if rest else ([], 0)

    with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            pending.append(bytes(block))
            size += len(block)
            if size >= COPY_PIECE_BYTES:
                flush(last=False)
    flush(last=True)
    return pa.concat_tables(parts) if parts else schema.empty_table()


def utc_to_local(values: pa.ChunkedArray | pa.Array, zone: str) -> pa.ChunkedArray | pa.Array:
    """Naive UTC timestamps (as SQLite stores Django's datetimes) to naive local time in ``zone``."""
    unit = values.type.unit
    aware = values.cast(pa.timestamp(unit, "UTC")).cast(pa.timestamp(unit, zone))
    return pc.local_timestamp(aware)


def resolve_merges(ids: np.ndarray, merged_into: np.ndarray) -> np.ndarray:
    """The surviving customer of each customer, following ``merged_into`` chains.

    ``merged_into`` holds the target id or a negative number for "not merged". Pointer
    jumping halves the remaining chain length each round. Raises ValueError on a cycle or
    a target that is not among ``ids``.
    """
    ids = np.asarray(ids, dtype=np.int64)
    target = np.asarray(merged_into, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    merged = target >= 0
    parent = np.where(merged, target, ids)
    position = np.searchsorted(sorted_ids, parent)
    position = np.clip(position, 0, max(len(ids) - 1, 0))
    if len(ids) and not np.array_equal(sorted_ids[position], parent):
        missing = parent[sorted_ids[position] != parent][0]
        raise ValueError(f"a customer is merged into customer {missing}, which does not exist")
    index = order[position]  # parent's position in ``ids``
    for _ in range(64):
        nxt = index[index]
        if np.array_equal(nxt, index):
            break
        index = nxt
    # every chain must end at a customer who is not merged; otherwise it loops
    if merged[index].any():
        looping = ids[merged[index]][0]
        raise ValueError(
            f"customer merges form a cycle (through customer {looping}); repair merged_into "
            "before scoring"
        )
    return ids[index]
