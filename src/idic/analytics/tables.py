"""Session tables on any analytical engine: put Arrow data in, materialise expressions.

Ibis gives every engine the same expressions, but not the same way to hold an
intermediate result: DuckDB and PostgreSQL have temporary tables, Spark has cached
temporary views. :func:`put` and :func:`materialise` hide that difference, so a
pipeline can time each step and reuse its result without recomputing it.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.csv as pcsv
import sqlglot as sg

from idic.analytics import loaders

COPY_BATCH_ROWS = 500_000


@contextmanager
def _quiet() -> Iterator[None]:
    # ibis 12 calls a method DuckDB 2 deprecates when it reads a new table's schema
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
        yield


def kind(con: Any) -> str:
    """The engine of an Ibis backend: ``duckdb``, ``postgres`` or ``spark``."""
    name = con.name
    return "spark" if name == "pyspark" else name


def put(con: Any, name: str, table: pa.Table) -> ir.Table:
    """Load an Arrow table into the engine as a session table called ``name`` (on DuckDB
    the engine reads the Arrow memory itself, so ``table`` stays in use until released)."""
    engine = kind(con)
    if engine == "duckdb":
        # DuckDB scans Arrow memory as fast as its own tables: registering the table
        # (no copy) saves copying tens of millions of rows into temporary storage
        con.con.register(name, table)
        with _quiet():
            return con.table(name)
    if engine == "postgres":
        return _put_postgres(con, name, table)
    if engine == "spark":
        frame = con._session.createDataFrame(table)
        return _spark_view(con, name, frame)
    raise ValueError(f"unknown analytical engine {con.name!r}")


def materialise(con: Any, name: str, expr: ir.Table) -> ir.Table:
    """Compute ``expr`` now and keep the result as the session table ``name``."""
    engine = kind(con)
    if engine == "duckdb" and _is_table(expr, name):
        return expr  # put's Arrow data under this name: already computed
    if engine in ("duckdb", "postgres"):
        with _quiet():
            return con.create_table(name, expr, temp=True, overwrite=True)
    if engine == "spark":
        return _spark_view(con, name, con._session.sql(con.compile(expr)))
    raise ValueError(f"unknown analytical engine {con.name!r}")


def _is_table(expr: ir.Table, name: str) -> bool:
    op = expr.op()
    return isinstance(op, ops.DatabaseTable) and op.name == name


def fetch(expr: ir.Table) -> pa.Table:
    """Run ``expr`` and return its rows as an Arrow table of its Ibis schema.

    On PostgreSQL the rows come through ``COPY … TO STDOUT``: faster than row fetching,
    and a column Ibis types as float that PostgreSQL computes as ``numeric`` (an average
    of integers) arrives as text and is parsed as a float instead of failing.
    """
    backend = expr._find_backend()
    if kind(backend) == "postgres":
        schema = expr.schema().to_pyarrow()
        columns = [loaders.Column(f.name, "", f.type) for f in schema]
        with backend.con.cursor() as cursor:
            data = loaders.read_postgres(cursor, query=backend.compile(expr), columns=columns)
        return data
    with _quiet():
        return expr.to_pyarrow()


def release(con: Any, names: list[str]) -> None:
    """Drop the session tables ``names`` (Spark keeps cached views until told)."""
    engine = kind(con)
    for name in names:
        if engine == "spark":
            session = con._session
            if session.catalog.tableExists(name):
                session.table(name).unpersist()
                session.catalog.dropTempView(name)
        elif engine == "duckdb":
            con.con.unregister(name)  # a table of put (nothing happens for other names)
            con.drop_table(name, force=True)
        else:
            con.drop_table(name, force=True)


class Session:
    """The session tables of one run on one engine, created through this object so they
    can all be released at the end. Handed to pure pipelines as their only engine access."""

    def __init__(self, con: Any) -> None:
        self.con = con
        self.engine = kind(con)
        self.created: list[str] = []

    def put(self, name: str, table: pa.Table) -> ir.Table:
        self.created.append(name)
        return put(self.con, name, table)

    def materialise(self, name: str, expr: ir.Table) -> ir.Table:
        self.created.append(name)
        return materialise(self.con, name, expr)

    def fetch(self, expr: ir.Table) -> pa.Table:
        return fetch(expr)

    def release(self) -> None:
        release(self.con, list(dict.fromkeys(self.created)))
        self.created.clear()


def _spark_view(con: Any, name: str, frame: Any) -> ir.Table:
    frame = frame.persist()
    frame.count()  # compute it now, so the step that made it is timed here
    frame.createOrReplaceTempView(name)
    return con.table(name)


def _put_postgres(con: Any, name: str, table: pa.Table) -> ir.Table:
    schema = ibis.Schema.from_pyarrow(table.schema)
    create = sg.exp.Create(
        kind="TABLE",
        this=sg.exp.Schema(
            this=sg.to_identifier(name, quoted=True),
            expressions=schema.to_sqlglot_column_defs("postgres"),
        ),
        properties=sg.exp.Properties(expressions=[sg.exp.TemporaryProperty()]),
    ).sql("postgres")
    raw = con.con
    with raw.cursor() as cursor, raw.transaction():
        cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
        cursor.execute(create)
        with cursor.copy(f'COPY "{name}" FROM STDIN (FORMAT csv)') as copy:
            for batch in table.to_batches(max_chunksize=COPY_BATCH_ROWS):
                buffer = io.BytesIO()
                pcsv.write_csv(batch, buffer, pcsv.WriteOptions(include_header=False))
                copy.write(buffer.getvalue())
    return con.table(name)
