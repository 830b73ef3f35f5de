"""A local Spark session for Splink's Spark backend (bases that outgrow one machine).

Splink's string similarities (Jaro–Winkler …) live in a jar that ships with Splink; the
session must load it (``spark.jars``) or every comparison using them fails with
``UNRESOLVED_ROUTINE``. PySpark is an optional dependency and needs Java 17.
"""

from __future__ import annotations

import tempfile
from functools import cache
from typing import Any


@cache
def spark_session() -> Any:
    """One local Spark session per process, with Splink's similarity functions."""
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:
        raise RuntimeError(
            "the spark engine needs PySpark (pip install 'pyspark>=4,<5') and Java 17"
        ) from exc
    checkpoints = tempfile.mkdtemp(prefix="idic-splink-spark-")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("idic-resolve")
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setCheckpointDir(checkpoints)
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_api() -> Any:
    """Splink's database API on the local session."""
    from splink import SparkAPI

    return SparkAPI(spark_session=spark_session())
