"""The analytical engine seam: an Ibis backend chosen by name or by settings.

- ``duckdb`` (default): an embedded DuckDB file, ``analytics.duckdb`` under
  ``settings.DATA_DIR``;
- ``postgres``: the operational PostgreSQL database itself (``DATABASE_URL`` must
  name a PostgreSQL database), so its tables need no transfer;
- ``spark``: PySpark in local mode (``local[2]``), one session per process.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from typing import Any

import ibis
from django.conf import settings
from django.db import connections

ENGINES = ("duckdb", "postgres", "spark")
DUCKDB_FILE = "analytics.duckdb"


class EngineError(ValueError):
    """The analytical engine asked for cannot be used; the message says why and what to do."""


def engine_name(engine: str | None = None) -> str:
    """The engine to use: ``engine`` if given, else the ``IDIC_ANALYTICS_ENGINE`` setting."""
    name = (engine or getattr(settings, "IDIC_ANALYTICS_ENGINE", "duckdb") or "duckdb").lower()
    if name not in ENGINES:
        raise EngineError(
            f"unknown analytical engine {name!r}; choose one of {', '.join(ENGINES)} "
            "(--engine or IDIC_ANALYTICS_ENGINE)"
        )
    return name


def operational_is_postgres() -> bool:
    """Whether the operational store (``DATABASE_URL``) is PostgreSQL."""
    return connections["default"].vendor == "postgresql"


def connect(engine: str | None = None) -> Any:
    """An Ibis backend for ``engine`` (see the module docstring); the caller disconnects it
    (except Spark's shared session, which :func:`disconnect` leaves running)."""
    name = engine_name(engine)
    if name == "duckdb":
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        con = ibis.duckdb.connect(str(settings.DATA_DIR / DUCKDB_FILE))
        # every result that needs an order says so; not keeping input order saves ~10 %
        con.raw_sql("SET preserve_insertion_order = false")  # (returns the connection itself)
        return con
    if name == "postgres":
        if not operational_is_postgres():
            raise EngineError(
                "the postgres engine computes inside the operational PostgreSQL database, but "
                "DATABASE_URL names a SQLite file; set DATABASE_URL to PostgreSQL or use "
                "--engine duckdb"
            )
        db = connections["default"].settings_dict
        return ibis.postgres.connect(
            host=db.get("HOST") or None,
            port=int(db["PORT"]) if db.get("PORT") else None,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            database=db["NAME"],
        )
    return ibis.pyspark.connect(spark_session())


def disconnect(con: Any) -> None:
    """Close a backend from :func:`connect`; Spark's session stays up for the next run."""
    if con.name != "pyspark":
        con.disconnect()


@functools.cache
def spark_session() -> Any:
    """The process's local Spark session (it takes ~25 s to start, so it is kept)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pyspark is an optional (dev) dependency
        raise EngineError(
            "the spark engine needs PySpark (pip install 'pyspark>=4,<5') and Java 17"
        ) from exc
    warehouse = tempfile.mkdtemp(prefix="idic-spark-")
    atexit.register(shutil.rmtree, warehouse, ignore_errors=True)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("idic")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.warehouse.dir", warehouse)
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session
