"""Analytical engines the grading expressions must agree on.

Each :class:`Engine` opens a fresh, isolated place on one backend and yields a
loader ``load(name, frame) -> ibis.Table``; leaving the context removes
everything it created. To run the conformance tests on another backend, append
one ``Engine`` to :data:`ENGINES`.

Spark runs in local mode (``local[2]``, no UI, few shuffle partitions) on one
session for the whole test run: starting its JVM takes ~25 s.
"""

from __future__ import annotations

import contextlib
import gc
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pytest

Loader = Callable[[str, pd.DataFrame], ibis.Table]


@dataclass(frozen=True)
class Engine:
    name: str
    open: Callable[[], contextlib.AbstractContextManager[Loader]]
    marks: tuple = field(default=())
    # a fresh Ibis backend of this engine, for code that makes its own session tables
    connect: Callable[[], contextlib.AbstractContextManager[Any]] | None = None


@contextlib.contextmanager
def duckdb_engine() -> Iterator[Loader]:
    con = ibis.duckdb.connect()

    def load(name: str, frame: pd.DataFrame) -> ibis.Table:
        # ibis 12 calls a method DuckDB 2 deprecates when it reads a new table's schema
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
            return con.create_table(name, frame)

    try:
        yield load
    finally:
        con.disconnect()


@contextlib.contextmanager
def postgres_engine() -> Iterator[Loader]:
    con = ibis.postgres.connect(host="127.0.0.1", user="postgres", database="test")
    schema = f"idic_test_{uuid.uuid4().hex[:12]}"
    con.create_database(schema)
    try:
        yield lambda name, frame: con.create_table(name, frame, database=schema)
    finally:
        con.drop_database(schema, force=True, cascade=True)
        con.disconnect()


@contextlib.contextmanager
def spark_engine() -> Iterator[Loader]:
    from idic.analytics.engine import spark_session

    session = spark_session()
    con = ibis.pyspark.connect(session)
    suffix = uuid.uuid4().hex[:8]
    views: list[str] = []

    def load(name: str, frame: pd.DataFrame) -> ibis.Table:
        # through Arrow, so naive timestamps stay naive (TIMESTAMP_NTZ) and NaN becomes null
        view = f"{name}_{suffix}"
        session.createDataFrame(
            pa.Table.from_pandas(frame, preserve_index=False)
        ).createOrReplaceTempView(view)
        views.append(view)
        return con.table(view)

    try:
        yield load
    finally:
        for view in views:
            session.catalog.dropTempView(view)


@contextlib.contextmanager
def duckdb_connection() -> Iterator[Any]:
    con = ibis.duckdb.connect()
    try:
        yield con
    finally:
        con.disconnect()


@contextlib.contextmanager
def postgres_connection() -> Iterator[Any]:
    con = ibis.postgres.connect(host="127.0.0.1", user="postgres", database="test")
    try:
        yield con  # session tables are temporary: they go with the connection
    finally:
        con.disconnect()


@contextlib.contextmanager
def spark_connection() -> Iterator[Any]:
    from idic.analytics.engine import spark_session

    yield ibis.pyspark.connect(spark_session())  # the shared session stays up


ENGINES: list[Engine] = [
    Engine("duckdb", duckdb_engine, connect=duckdb_connection),
    Engine("postgres", postgres_engine, marks=(pytest.mark.postgres,), connect=postgres_connection),
    Engine(
        "spark",
        spark_engine,
        marks=(pytest.mark.spark, pytest.mark.slow),
        connect=spark_connection,
    ),
]
REFERENCE = ENGINES[0]


def engine_params(engines: list[Engine] = ENGINES) -> list:
    """``pytest.param`` per engine, carrying the engine's marks."""
    return [pytest.param(e, id=e.name, marks=e.marks) for e in engines]


def transactions_table(rows, *, cost: bool = True) -> ibis.Table:
    """An in-memory transactions table from ``(customer_id, ts, amount)`` rows."""
    frame = pd.DataFrame(
        {
            "customer_id": pd.Series([r[0] for r in rows], dtype="int64"),
            "ts": pd.Series(pd.to_datetime([r[1] for r in rows]), dtype="datetime64[ns]"),
            "amount": pd.Series([r[2] for r in rows], dtype="float64"),
        }
    )
    if cost:
        frame["cost"] = pd.Series([None] * len(rows), dtype="float64")
    return ibis.memtable(frame)


@pytest.fixture(autouse=True, scope="module")
def fresh_default_backend() -> Iterator[None]:
    """Close Ibis's default DuckDB backend (which runs memtables) after a test module.

    Left open, Hypothesis runs leave it alive until interpreter exit, where DuckDB's
    bindings report its objects as leaks; Ibis opens a new one on next use.
    """
    yield
    gc.collect()
    backend = ibis.options.default_backend
    if backend is not None:
        backend.disconnect()
        ibis.options.default_backend = None
