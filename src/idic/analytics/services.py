"""Load the operational tables into an analytical engine, through Arrow.

The tables a scoring run reads, with timestamps converted to naive business-local
time (``TIME_ZONE``) and merged customers' rows moved to the customer they were
merged into:

- ``transactions(customer_id int64, ts timestamp, amount float64, cost float64)``
- ``customers(customer_id int64, status, kind, party_type string, created_at timestamp)``
  (customers merged into another are left out)
- ``interactions(customer_id int64, ts timestamp, channel, direction string,
  duration_seconds int64)``

Table and column names come from the models' metadata (looked up through the app
registry, so this area does not import another area's models).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.apps import apps
from django.conf import settings
from django.db import connection

from idic.analytics import engine, loaders
from idic.analytics.loaders import Column
from idic.analytics.tables import Session

__all__ = ["Loaded", "Session", "engine", "load_operational", "open_session"]

# processes reading a SQLite file at once: one per core, at most four
SQLITE_READERS = max(1, min(4, os.cpu_count() or 1))


@dataclass
class Loaded:
    """The loaded engine tables, how many rows each has, and how long each took."""

    tables: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def open_session(engine_name: str | None = None) -> Session:
    """Connect to the analytical engine and wrap it in a :class:`Session`."""
    return Session(engine.connect(engine_name))


def close_session(session: Session) -> None:
    """Drop the session's tables and disconnect (Spark's shared session stays up)."""
    try:
        session.release()
    finally:
        engine.disconnect(session.con)


def _meta(label: str) -> tuple[str, dict[str, str]]:
    model = apps.get_model("identify", label)
    ops = connection.ops
    columns = {f.name: ops.quote_name(f.column) for f in model._meta.concrete_fields}
    return ops.quote_name(model._meta.db_table), columns


# engine table -> (model, [(column, model field, Arrow type, money in cents)])
_TS, _I64, _F64, _TEXT = pa.timestamp("us"), pa.int64(), pa.float64(), pa.string()
SPECS: dict[str, tuple[str, list[tuple[str, str, pa.DataType, bool]]]] = {
    "customers": (
        "Customer",
        [
            ("customer_id", "id", _I64, False),
            ("merged_into", "merged_into", _I64, False),
            ("status", "status", _TEXT, False),
            ("kind", "kind", _TEXT, False),
            ("party_type", "party_type", _TEXT, False),
            ("created_at", "created_at", _TS, False),
        ],
    ),
    "transactions": (
        "Transaction",
        [
            ("customer_id", "customer", _I64, False),
            ("ts", "ts", _TS, False),
            ("amount", "amount", _F64, True),
            ("cost", "cost", _F64, True),
        ],
    ),
    "interactions": (
        "Interaction",
        [
            ("customer_id", "customer", _I64, False),
            ("ts", "ts", _TS, False),
            ("channel", "channel", _TEXT, False),
            ("direction", "direction", _TEXT, False),
            ("duration_seconds", "duration_seconds", _I64, False),
        ],
    ),
}


def _zone() -> str:
    zone = settings.TIME_ZONE
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", zone):
        raise ValueError(f"TIME_ZONE {zone!r} is not a time-zone name like Asia/Shanghai")
    return zone


def _specs(kind: str) -> tuple[str, list[Column], str]:
    """Table, columns and filter of one operational table (timestamps, stored as naive
    UTC in SQLite, are read as naive local time)."""
    label, spec = SPECS[kind]
    model = apps.get_model("identify", label)
    ops = connection.ops
    zone = _zone() if connection.vendor == "sqlite" else None
    cols = []
    for name, field_name, dtype, cents in spec:
        field = model._meta.get_field(field_name)
        cols.append(
            Column(
                name,
                ops.quote_name(field.column),
                dtype,
                cents=cents,
                nullable=field.null,
                local_zone=zone if pa.types.is_timestamp(dtype) else None,
            )
        )
    return ops.quote_name(model._meta.db_table), cols, ""


def _read_postgres(kind: str) -> pa.Table:
    table, cols, where = _specs(kind)
    zone = _zone()
    select = ", ".join(
        f"({c.sql} AT TIME ZONE '{zone}')" if pa.types.is_timestamp(c.type) else c.sql for c in cols
    )
    query = f"SELECT {select} FROM {table}" + (f" WHERE {where}" if where else "")
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        return loaders.read_postgres(cursor, query=query, columns=cols)


def _sqlite_file() -> str | None:
    """The SQLite file to read in parallel processes, or None when only Django's own
    connection may read (an in-memory database, or inside a transaction whose rows
    other connections cannot see yet)."""
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name or connection.in_atomic_block:
        return None
    return name


KINDS = ("customers", "transactions", "interactions")


def read_operational() -> tuple[dict[str, pa.Table], dict[str, float]]:
    """The three operational tables as Arrow tables (merges resolved), with read times.

    From a SQLite file, ``read_<kind>`` is this process's share of each table and
    ``read_wait`` the wait for the worker processes' shares.
    """
    timings: dict[str, float] = {}
    raw: dict[str, pa.Table] = {}
    path = _sqlite_file() if connection.vendor == "sqlite" else None
    if path is not None:
        parts: dict[str, float] = {}
        reads = [loaders.Read(*_specs(kind)) for kind in KINDS]
        tables = loaders.read_sqlite_file(path, reads, processes=SQLITE_READERS, timings=parts)
        raw = dict(zip(KINDS, tables, strict=True))
        for i, kind in enumerate(KINDS):
            timings[f"read_{kind}"] = round(parts[f"part_{i}"], 3)
        timings["read_wait"] = round(parts["wait"], 3)
    else:
        for kind in KINDS:
            began = time.perf_counter()
            if connection.vendor == "sqlite":
                table, cols, where = _specs(kind)
                connection.ensure_connection()
                raw[kind] = loaders.read_sqlite(
                    [connection.connection], table=table, columns=cols, where=where
                )
            else:
                raw[kind] = _read_postgres(kind)
            timings[f"read_{kind}"] = round(time.perf_counter() - began, 3)
    began = time.perf_counter()
    out = _resolve_merges(raw)
    timings["resolve_merges"] = round(time.perf_counter() - began, 3)
    return out, timings


def _resolve_merges(raw: dict[str, pa.Table]) -> dict[str, pa.Table]:
    customers = raw["customers"]
    merged_into = customers.column("merged_into")
    survivors = customers.filter(pc.is_null(merged_into)).drop_columns(["merged_into"])
    out = {"customers": survivors}
    if merged_into.null_count == customers.num_rows:
        out.update(transactions=raw["transactions"], interactions=raw["interactions"])
        return out
    merged = customers.filter(pc.is_valid(merged_into))
    moved_from, moved_to = _merge_map(
        merged.column("customer_id").to_numpy(), merged.column("merged_into").to_numpy()
    )
    for kind in ("transactions", "interactions"):
        data = raw[kind]
        owner = data.column("customer_id")
        where = pc.index_in(owner, value_set=pa.array(moved_from))
        new_owner = pc.coalesce(pc.take(pa.array(moved_to), where), owner)
        out[kind] = data.set_column(0, "customer_id", new_owner)
    return out


def _merge_map(merged: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every merged customer, the surviving customer at the end of its merge chain."""
    ids = np.unique(np.concatenate([merged, targets]).astype(np.int64))
    parent = np.full(ids.size, -1, dtype=np.int64)
    parent[np.searchsorted(ids, merged)] = targets
    roots = loaders.resolve_merges(ids, parent)
    changed = roots != ids
    return ids[changed], roots[changed]


def load_operational(*, session: Session) -> Loaded:
    """Load transactions, customers and interactions into the session's engine.

    On the ``postgres`` engine the tables are built inside the operational database
    itself; otherwise they travel as Arrow tables.
    """
    if session.engine == "postgres":
        return _load_in_postgres(session)
    data, timings = read_operational()
    tables = {}
    for kind, table in data.items():
        began = time.perf_counter()
        tables[kind] = session.put(f"idic_{kind}", table)
        timings[f"put_{kind}"] = round(time.perf_counter() - began, 3)
    return Loaded(tables, {k: v.num_rows for k, v in data.items()}, timings)


def _load_in_postgres(session: Session) -> Loaded:
    """Build the engine tables with SQL in the operational PostgreSQL database.

    The engine has its own connection, so it sees committed rows only (a scoring run
    is never part of another transaction).
    """
    zone = _zone()
    timings: dict[str, float] = {}
    began = time.perf_counter()
    cust_table, c = _meta("Customer")
    con = session.con
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {c['id']}, {c['merged_into']} FROM {cust_table} "
            f"WHERE {c['merged_into']} IS NOT NULL"
        )
        pairs = cursor.fetchall()
    merges_sql = ""
    if pairs:
        moved_from, moved_to = _merge_map(
            np.array([p[0] for p in pairs], dtype=np.int64),
            np.array([p[1] for p in pairs], dtype=np.int64),
        )
        session.put("idic_merges", pa.table({"id": moved_from, "root": moved_to}))
        merges_sql = "LEFT JOIN idic_merges m ON m.id = x.owner"
    owner = "COALESCE(m.root, x.owner)" if merges_sql else "x.owner"
    specs = {kind: _specs(kind) for kind in ("customers", "transactions", "interactions")}
    statements = {}
    for kind, (table, cols, _where) in specs.items():
        if kind == "customers":
            select = ", ".join(
                f"({col.sql} AT TIME ZONE '{zone}') AS {col.name}"
                if pa.types.is_timestamp(col.type)
                else f"{col.sql}::{_pg_type(col.type)} AS {col.name}"
                for col in cols
                if col.name != "merged_into"
            )
            statements[kind] = f"SELECT {select} FROM {table} WHERE {c['merged_into']} IS NULL"
            continue
        inner = ", ".join(
            f"{col.sql} AS owner"
            if col.name == "customer_id"
            else (
                f"({col.sql} AT TIME ZONE '{zone}') AS {col.name}"
                if pa.types.is_timestamp(col.type)
                else f"{col.sql}::{_pg_type(col.type)} AS {col.name}"
            )
            for col in cols
        )
        rest = ", ".join(f"x.{col.name}" for col in cols if col.name != "customer_id")
        statements[kind] = (
            f"SELECT {owner}::bigint AS customer_id, {rest} "
            f"FROM (SELECT {inner} FROM {table}) x {merges_sql}"
        )
    tables, counts = {}, {}
    for kind, select in statements.items():
        name = f"idic_{kind}"
        con.raw_sql(f'DROP TABLE IF EXISTS "{name}"').close()
        con.raw_sql(f'CREATE TEMP TABLE "{name}" AS {select}').close()
        session.created.append(name)
        tables[kind] = con.table(name)
        counts[kind] = int(tables[kind].count().execute())
    timings["build_in_postgres"] = round(time.perf_counter() - began, 3)
    return Loaded(tables, counts, timings)


def load_rows(
    *,
    session: Session,
    name: str,
    model: Any,
    fields: dict[str, pa.DataType],
    where: str = "",
) -> Any:
    """Load the ``fields`` of a model's rows (those matching the SQL condition ``where``,
    written by the caller without user input) into the engine as the session table
    ``name``; fields keep their names (a foreign key ``x`` is read as ``x_id``)."""
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    cols = []
    for name_, dtype in fields.items():
        field = model._meta.get_field(name_.removesuffix("_id"))
        cols.append(Column(name_, ops.quote_name(field.column), dtype, nullable=field.null))
    if session.engine == "postgres":
        select = ", ".join(f"{c.sql}::{_pg_type(c.type)} AS {c.name}" for c in cols)
        query = f"SELECT {select} FROM {table}" + (f" WHERE {where}" if where else "")
        session.con.raw_sql(f'DROP TABLE IF EXISTS "{name}"').close()
        session.con.raw_sql(f'CREATE TEMP TABLE "{name}" AS {query}').close()
        session.created.append(name)
        return session.con.table(name)
    if connection.vendor == "sqlite":
        path = _sqlite_file()
        if path is not None:
            (data,) = loaders.read_sqlite_file(
                path, [loaders.Read(table, cols, where)], processes=SQLITE_READERS
            )
        else:
            connection.ensure_connection()
            data = loaders.read_sqlite(
                [connection.connection], table=table, columns=cols, where=where
            )
    else:
        query = f"SELECT {', '.join(c.sql for c in cols)} FROM {table}" + (
            f" WHERE {where}" if where else ""
        )
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            data = loaders.read_postgres(cursor, query=query, columns=cols)
    return session.put(name, data)


def _pg_type(dtype: pa.DataType) -> str:
    if pa.types.is_integer(dtype):
        return "bigint"
    if pa.types.is_floating(dtype):
        return "double precision"
    return "text"
