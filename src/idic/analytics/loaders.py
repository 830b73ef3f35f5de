"""Bulk readers from the operational store's database drivers into Arrow tables.

No row passes through Python on its own: each reader lets the database render many
rows as text in C and hands the text to Arrow's multi-threaded CSV parser.

- SQLite has no ``COPY``; :func:`read_sqlite` asks it for one ``group_concat`` per
  column over a range of primary keys (one text value of ~250,000 lines per column),
  so a chunk costs a single ``fetchone``. Rendering the text is most of the work and
  is single-threaded per connection; connections of one process slow each other down
  (SQLite's allocator is shared), so :func:`read_sqlite_file` splits the key range
  between this process and worker processes (``python -m idic.analytics.sqlite_part``)
  that hand their part back as an Arrow IPC file.
- PostgreSQL streams ``COPY (query) TO STDOUT (FORMAT csv)`` (:func:`read_postgres`).

This module knows drivers, not Django: callers pass connection factories or cursors.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
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
    # a timestamp stored as naive UTC: convert it to naive local time in this zone
    local_zone: str | None = None


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
    if column.cents:
        cents = _parse_lines(data, Column(column.name, column.sql, pa.int64()))
        return pc.divide(cents.cast(pa.float64()), 100.0)
    values = _parse_lines(data, column)
    if column.local_zone is not None:
        return utc_to_local(values, column.local_zone)
    return values


def _chunk_query(table: str, columns: Sequence[Column], where: str, id_column: str) -> str:
    if not columns:
        raise ValueError("read_sqlite needs at least one column to read")
    aggregates = ", ".join(f"group_concat({_sqlite_value(c)}, char(10))" for c in columns)
    condition = f" AND ({where})" if where else ""
    return (
        f"SELECT count(*), {aggregates} FROM {table} "
        f"WHERE {id_column} >= ? AND {id_column} < ?{condition}"
    )


def _chunk_starts(con: Any, table: str, where: str, id_column: str, chunk_rows: int) -> list[int]:
    bounds = f"SELECT min({id_column}), max({id_column}) FROM {table}" + (
        f" WHERE {where}" if where else ""
    )
    low, high = con.execute(bounds).fetchone()
    if low is None:
        return []
    return list(range(int(low), int(high) + 1, chunk_rows))


def _read_chunk(
    con: Any, query: str, columns: Sequence[Column], start: int, chunk_rows: int
) -> pa.Table | None:
    count, *texts = con.execute(query, (start, start + chunk_rows)).fetchone()
    if not count:
        return None
    arrays = [
        # the final newline keeps a trailing empty value (null) as a line of its own
        _parse_sqlite((text + "\n").encode("utf-8"), c)
        for text, c in zip(texts, columns, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=pa.schema([(c.name, c.type) for c in columns]))


def read_chunks(
    con: Any, *, query: str, columns: Sequence[Column], starts: Sequence[int], chunk_rows: int
) -> pa.Table:
    """Run the chunk ``query`` of :func:`read_sqlite` for each start key, in order."""
    schema = pa.schema([(c.name, c.type) for c in columns])
    parts = [_read_chunk(con, query, columns, start, chunk_rows) for start in starts]
    kept = [p for p in parts if p is not None]
    return pa.concat_tables(kept) if kept else schema.empty_table()


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
    query = _chunk_query(table, columns, where, id_column)
    if not connections:
        raise ValueError("read_sqlite needs at least one connection")
    schema = pa.schema([(c.name, c.type) for c in columns])
    starts = _chunk_starts(connections[0], table, where, id_column, chunk_rows)
    n = len(connections)

    def worker(index: int) -> list[tuple[int, pa.Table]]:
        out = []
        for k in range(index, len(starts), n):
            part = _read_chunk(connections[index], query, columns, starts[k], chunk_rows)
            if part is not None:
                out.append((k, part))
        return out

    if n == 1:
        found = worker(0)
    else:
        with ThreadPoolExecutor(n) as pool:
            found = [p for ps in pool.map(worker, range(n)) for p in ps]
    parts = [part for _, part in sorted(found, key=lambda kp: kp[0])]
    return pa.concat_tables(parts) if parts else schema.empty_table()


@dataclass(frozen=True)
class Read:
    """One table to read with :func:`read_sqlite_file` (arguments as for :func:`read_sqlite`)."""

    table: str
    columns: Sequence[Column]
    where: str = ""
    id_column: str = "id"


def read_sqlite_file(
    path: str,
    reads: Sequence[Read],
    *,
    processes: int = 2,
    chunk_rows: int = CHUNK_ROWS,
    timings: dict[str, float] | None = None,
) -> list[pa.Table]:
    """Read several tables of the SQLite file ``path``, each split into ``processes``
    consecutive key ranges: this process reads the first, worker processes the others.

    Returns one table per read, rows in key order. Worker processes see committed data
    only: use this outside a transaction that wrote rows the result must contain.
    ``timings``, if given, receives ``part_<i>`` (this process's seconds on read ``i``)
    and ``wait`` (seconds spent waiting for the workers and joining their parts).
    """
    if processes < 1:
        raise ValueError("read_sqlite_file needs at least one process")
    times = timings if timings is not None else {}
    con = sqlite3.connect(path)
    folder = tempfile.mkdtemp(prefix="idic-read-")
    jobs: list[subprocess.Popen[bytes]] = []
    try:
        found = [
            (
                _chunk_query(read.table, read.columns, read.where, read.id_column),
                read.columns,
                _chunk_starts(con, read.table, read.where, read.id_column, chunk_rows),
            )
            for read in reads
        ]
        if sum(len(starts) for _, _, starts in found) < 2:
            processes = 1  # one chunk in all: starting a worker would cost more than it saves
        plans = [(query, columns, _split(starts, processes)) for query, columns, starts in found]
        workers = range(1, processes)
        jobs = [_start_worker(path, folder, w, plans, chunk_rows) for w in workers]
        # this process reads all its parts first: the workers start a little later
        mine = []
        for i, (query, columns, parts) in enumerate(plans):
            began = time.perf_counter()
            mine.append(
                read_chunks(
                    con, query=query, columns=columns, starts=parts[0], chunk_rows=chunk_rows
                )
            )
            times[f"part_{i}"] = time.perf_counter() - began
        began = time.perf_counter()
        out = []
        for i, first in enumerate(mine):
            pieces = [first]
            for w, job in zip(workers, jobs, strict=True):
                done = Path(folder) / f"{w}-{i}.arrow"
                _wait_for(done, job)
                with pa.memory_map(str(done)) as source:
                    pieces.append(pa.ipc.open_file(source).read_all())
            out.append(pa.concat_tables(pieces))
        for job in jobs:
            _finish(job)
        times["wait"] = time.perf_counter() - began
        return out
    finally:
        for job in jobs:
            if job.stderr is not None and not job.stderr.closed:  # not finished above
                if job.poll() is None:
                    job.kill()
                job.communicate()  # reaps it and closes its pipe
        con.close()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for(done: Path, job: subprocess.Popen[bytes]) -> None:
    """Wait until a worker has written ``done`` (it renames a finished file into place)."""
    pause = 0.001
    while not done.exists():
        if job.poll() is not None and not done.exists():
            _finish(job)
            raise RuntimeError(f"a SQLite reader process ended without writing {done.name}")
        time.sleep(pause)
        pause = min(pause * 2, 0.02)


def _finish(job: subprocess.Popen[bytes]) -> None:
    _, err = job.communicate()
    if job.returncode:
        raise RuntimeError(
            f"a SQLite reader process failed (status {job.returncode}): "
            + err.decode(errors="replace")[-2000:]
        )


def _split(starts: list[int], parts: int) -> list[list[int]]:
    """``starts`` in ``parts`` consecutive runs of (nearly) equal length (some maybe empty)."""
    size, extra = divmod(len(starts), parts)
    out, at = [], 0
    for k in range(parts):
        step = size + (1 if k < extra else 0)
        out.append(starts[at : at + step])
        at += step
    return out


def _column_spec(column: Column) -> dict[str, Any]:
    spec = asdict(column)
    spec["type"] = pa.schema([(column.name, column.type)]).serialize().to_pybytes().hex()
    return spec


def spec_column(spec: dict[str, Any]) -> Column:
    """The :class:`Column` of a worker's job description."""
    schema = pa.ipc.read_schema(pa.py_buffer(bytes.fromhex(spec["type"])))
    return Column(**{**spec, "type": schema.field(0).type})


def _start_worker(
    path: str, folder: str, worker: int, plans: list[Any], chunk_rows: int
) -> subprocess.Popen[bytes]:
    job = {
        "path": path,
        "chunk_rows": chunk_rows,
        "reads": [
            {
                "query": query,
                "columns": [_column_spec(c) for c in columns],
                "starts": parts[worker],
                "out": str(Path(folder) / f"{worker}-{i}.arrow"),
            }
            for i, (query, columns, parts) in enumerate(plans)
        ],
    }
    src = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    description = Path(folder) / f"job-{worker}.json"
    description.write_text(json.dumps(job), encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "idic.analytics.sqlite_part", str(description)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )


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
