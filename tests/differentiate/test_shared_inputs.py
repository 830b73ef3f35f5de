"""What makes the scoring run fast gives the same answers as the plain way:

- RFM and the BTYD summary read a purchase-day table (the run collapses the receipts to
  days once and shares them) exactly as they read the transactions, on every engine;
- SQLite tables read by several processes equal the same tables read by one connection.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pandas as pd
import pyarrow as pa
import pytest

from idic.analytics import loaders
from idic.analytics.loaders import Column, Read
from idic.differentiate.purchase_days import daily_purchases, days_up_to
from idic.differentiate.rfm import rfm, rfm_purchase_rate
from idic.differentiate.scoring.btyd_step import btyd_summary

from .engines import duckdb_engine, engine_params
from .test_conformance import AS_OF, fixed_data


def _frame(table) -> pd.DataFrame:
    return table.execute().sort_values("customer_id").reset_index(drop=True)


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(_frame(a), _frame(b), check_dtype=False, rtol=1e-9)


CASES = {
    "rfm": lambda t: rfm(t, as_of=AS_OF),
    "rfm_average": lambda t: rfm(t, as_of=AS_OF, monetary="average"),
    "rfm_purchase_rate": lambda t: rfm_purchase_rate(t, as_of=AS_OF),
    "btyd_summary": lambda t: btyd_summary(t, as_of=AS_OF),
}


@pytest.mark.parametrize("engine", engine_params())
def test_purchase_days_give_rfm_and_btyd_the_answers_of_the_transactions(engine):
    # given the conformance data set (same-day repeats, ties, rows after as_of) on an engine
    with engine.open() as load:
        tx = load("tx_days", fixed_data()["transactions"])
        # and its purchase days, once for all history and once cut at as_of as a run does
        for days in (daily_purchases(tx), days_up_to(tx, AS_OF)):
            for name, build in CASES.items():
                # when each computation reads the days instead of the receipts
                # then the result is the same
                try:
                    _same(build(tx), build(days))
                except AssertionError as exc:  # pragma: no cover - names the failing case
                    raise AssertionError(f"{name} differs on {engine.name}") from exc


def test_btyd_summary_with_rfm_columns_equals_the_one_from_scratch():
    # given purchase days and RFM computed from them (as the scoring run passes them on)
    with duckdb_engine() as load:
        tx = load("tx", fixed_data()["transactions"])
        days = days_up_to(tx, AS_OF)
        known = rfm(days, as_of=AS_OF).mutate(spend=lambda t: t.monetary)
        # when the summary reuses them / then it equals the summary from the receipts
        reused = btyd_summary(days, as_of=AS_OF, per_customer=known)
        _same(reused, btyd_summary(tx, as_of=AS_OF))


def test_a_purchase_day_table_needs_a_date_for_rfm():
    with duckdb_engine() as load:
        days = daily_purchases(load("tx", fixed_data()["transactions"]))
        with pytest.raises(ValueError, match="must be a date with a purchase-day table"):
            rfm(days, as_of=dt.datetime(2024, 6, 30, 12))  # noqa: DTZ001


COLUMNS = [
    Column("id", "id", pa.int64(), nullable=False),
    Column("who", "who", pa.int64()),
    Column("note", "note", pa.string()),
    Column("at", "at", pa.timestamp("us"), local_zone="Asia/Shanghai"),
    Column("price", "price", pa.float64(), cents=True),
]


@pytest.fixture
def database(tmp_path):
    """A SQLite file with 1,000 rows and gaps in the keys; awkward text and nulls."""
    path = tmp_path / "read.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, who INTEGER, note TEXT, at TEXT, price)")
    rows = []
    for i in range(1, 1301):
        if i % 13 == 0:
            continue  # deleted rows leave gaps
        note = ["plain", 'say "hi"', "two\nlines", "逗号,中文", "", None][i % 6]
        at = None if i % 11 == 0 else f"2024-03-{1 + i % 28:02d} {i % 24:02d}:15:00"
        price = None if i % 7 == 0 else round(i * 1.37, 2)
        rows.append((i, None if i % 17 == 0 else i % 50, note, at, price))
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    return str(path)


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_worker_processes_read_what_one_connection_reads(database, processes):
    # given the table read by one connection
    con = sqlite3.connect(database)
    expected = loaders.read_sqlite([con], table="t", columns=COLUMNS, chunk_rows=97)
    filtered = loaders.read_sqlite([con], table="t", columns=COLUMNS, where="who < 10")
    con.close()
    # when it is read by several processes (twice, once filtered), in small chunks
    timings: dict[str, float] = {}
    whole, some = loaders.read_sqlite_file(
        database,
        [Read("t", COLUMNS), Read("t", COLUMNS, where="who < 10")],
        processes=processes,
        chunk_rows=97,
        timings=timings,
    )
    # then the rows, their order and their values are the same
    assert whole.equals(expected)
    assert some.equals(filtered)
    assert whole.num_rows == 1200
    assert set(timings) == {"part_0", "part_1", "wait"}
    # and the times are naive local time (UTC+8 in Shanghai)
    first = whole.column("at")[0].as_py()
    assert first == dt.datetime(2024, 3, 2, 9, 15)  # noqa: DTZ001 (stored 01:15 UTC)


def test_an_empty_read_and_a_bad_query(database):
    # an empty selection gives an empty table of the columns' types
    (none,) = loaders.read_sqlite_file(database, [Read("t", COLUMNS, where="who > 1000")])
    assert none.num_rows == 0 and none.schema.names == [c.name for c in COLUMNS]
    # a column that does not exist is SQLite's error, and no worker is left behind
    bad = [Column("nope", "nope", pa.int64())]
    with pytest.raises(sqlite3.OperationalError, match="nope"):
        loaders.read_sqlite_file(database, [Read("t", bad)], processes=2)
    with pytest.raises(ValueError, match="at least one process"):
        loaders.read_sqlite_file(database, [Read("t", COLUMNS)], processes=0)
