"""The analytical engine seam and the scoring pipeline, without the operational database.

- the Arrow readers (SQLite ``group_concat`` chunks; merges; time zones);
- the engine connection chosen by name or settings, and its errors;
- the pipeline: the BTYD summary agrees with ``btyd.summarise``; a step list fills its
  columns and leaves the others null; the whole run gives the same scores, reports and
  transition events on DuckDB, PostgreSQL and Spark.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.analytics import engine, loaders
from idic.analytics.tables import Session
from idic.differentiate.btyd import summarise
from idic.differentiate.scoring.btyd_step import btyd_summary, score_btyd
from idic.differentiate.scoring.columns import SCORE_COLUMNS
from idic.differentiate.scoring.params import ScoringParams
from idic.differentiate.scoring.pipeline import STEPS, run_pipeline

from . import scoring_data
from .engines import ENGINES, REFERENCE, engine_params

# ---- Arrow readers --------------------------------------------------------------------


def _sqlite_file(path, rows):
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, who INTEGER NOT NULL, ts DATETIME, "
        "amount DECIMAL, note TEXT)"
    )
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)
    con.commit()
    return con


COLUMNS = [
    loaders.Column("who", "who", pa.int64(), nullable=False),
    loaders.Column("ts", "ts", pa.timestamp("us")),
    loaders.Column("amount", "amount", pa.float64(), cents=True),
    loaders.Column("note", "note", pa.string()),
]
AWKWARD_ROWS = [
    (1, 10, "2024-01-01 00:00:00", "12.30", 'say "hi", then\nleave'),
    (2, 11, "2024-01-01 23:59:59.123456", "0.29", ""),
    (5, 12, None, None, None),
    (6, 13, "2024-02-29 12:00:00", "1299.99", "客户,逗号"),
    (9, 14, "2024-03-01 08:00:00", "7", None),
]


def test_sqlite_reader_keeps_every_value_across_chunks_and_connections(tmp_path):
    # given rows with quotes, line breaks, commas, nulls, empty text and id gaps
    path = tmp_path / "ops.sqlite3"
    _sqlite_file(path, AWKWARD_ROWS).close()
    readers = [sqlite3.connect(path, check_same_thread=False) for _ in range(2)]
    try:
        # when read in chunks of two ids on two connections
        table = loaders.read_sqlite(readers, table="t", columns=COLUMNS, chunk_rows=2)
    finally:
        for con in readers:
            con.close()
    # then every row arrives once, in id order, with its exact value
    assert table.column("who").to_pylist() == [10, 11, 12, 13, 14]
    assert table.column("note").to_pylist() == [
        'say "hi", then\nleave',
        "",
        None,
        "客户,逗号",
        None,
    ]
    assert table.column("amount").to_pylist() == [12.3, 0.29, None, 1299.99, 7.0]
    assert table.column("ts").to_pylist()[1] == dt.datetime.combine(
        dt.date(2024, 1, 1), dt.time(23, 59, 59, 123456)
    )
    assert table.column("ts").null_count == 1


def test_sqlite_reader_filters_and_returns_an_empty_table_with_its_schema(tmp_path):
    # given a table and a condition no row meets
    path = tmp_path / "ops.sqlite3"
    con = _sqlite_file(path, AWKWARD_ROWS)
    # when it is read with that condition, and with one that keeps two rows
    none = loaders.read_sqlite([con], table="t", columns=COLUMNS, where="who > 100")
    some = loaders.read_sqlite([con], table="t", columns=COLUMNS, where="who IN (11, 13)")
    con.close()
    # then the empty result still has the columns and types
    assert none.num_rows == 0
    assert none.schema.names == ["who", "ts", "amount", "note"]
    assert some.column("who").to_pylist() == [11, 13]


def test_reader_needs_columns_and_connections(tmp_path):
    # given a database
    con = _sqlite_file(tmp_path / "ops.sqlite3", AWKWARD_ROWS)
    # then reading nothing or with no connection is refused
    with pytest.raises(ValueError, match="at least one column"):
        loaders.read_sqlite([con], table="t", columns=[])
    with pytest.raises(ValueError, match="at least one connection"):
        loaders.read_sqlite([], table="t", columns=COLUMNS)
    con.close()


def test_utc_timestamps_become_business_local_time():
    # given naive UTC times as SQLite stores them
    utc = pa.array(
        [dt.datetime.combine(dt.date(2024, 1, 1), dt.time(16, 30)), None], pa.timestamp("us")
    )
    # when converted to Asia/Shanghai
    local = loaders.utc_to_local(utc, "Asia/Shanghai")
    # then the clock moves eight hours into the next day, and nulls stay null
    assert local.to_pylist() == [dt.datetime.combine(dt.date(2024, 1, 2), dt.time(0, 30)), None]


@pytest.mark.parametrize(
    ("ids", "merged_into", "roots"),
    [
        ([1, 2, 3], [-1, -1, -1], [1, 2, 3]),
        ([1, 2, 3], [-1, 1, 2], [1, 1, 1]),  # 3 -> 2 -> 1
        ([5, 3, 9, 4], [4, -1, 5, 3], [3, 3, 3, 3]),
    ],
)
def test_merged_customers_resolve_to_the_end_of_their_chain(ids, merged_into, roots):
    # when merge chains are followed / then each customer maps to the survivor
    assert loaders.resolve_merges(np.array(ids), np.array(merged_into)).tolist() == roots


def test_merge_cycles_and_unknown_targets_are_refused():
    # then a cycle and a merge into nobody are errors that say so
    with pytest.raises(ValueError, match="cycle"):
        loaders.resolve_merges(np.array([1, 2]), np.array([2, 1]))
    with pytest.raises(ValueError, match="does not exist"):
        loaders.resolve_merges(np.array([1, 2]), np.array([7, -1]))


# ---- engine connection ----------------------------------------------------------------


def test_duckdb_engine_is_a_file_under_the_data_dir(settings, tmp_path):
    # given a data folder
    settings.DATA_DIR = tmp_path / "data"
    settings.IDIC_ANALYTICS_ENGINE = "duckdb"
    # when the default engine is connected
    con = engine.connect()
    try:
        answer = con.raw_sql("SELECT 41 + 1").fetchall()
    finally:
        engine.disconnect(con)
    # then it is DuckDB, in the data folder
    assert con.name == "duckdb"
    assert answer == [(42,)]
    assert (tmp_path / "data" / engine.DUCKDB_FILE).exists()


def test_unknown_engine_names_the_choices(settings):
    # given a misspelt engine setting
    settings.IDIC_ANALYTICS_ENGINE = "duck"
    # then connecting says which engines exist
    with pytest.raises(engine.EngineError, match="duckdb, postgres, spark"):
        engine.connect()
    with pytest.raises(engine.EngineError, match="unknown analytical engine 'oracle'"):
        engine.engine_name("oracle")


def test_postgres_engine_needs_a_postgresql_operational_store(monkeypatch):
    # given an operational store that is not PostgreSQL
    monkeypatch.setattr(engine, "operational_is_postgres", lambda: False)
    # then the postgres engine is refused with the remedy
    with pytest.raises(engine.EngineError, match="set DATABASE_URL to PostgreSQL"):
        engine.connect("postgres")


def test_session_tables_are_created_and_released():
    # given a session on DuckDB
    session = Session(ibis_duckdb())
    data = pa.table({"customer_id": [1, 2, 3], "x": [1.0, 2.0, 4.0]})
    # when data is put and an expression over it materialised
    put = session.put("idic_t", data)
    kept = session.materialise("idic_t2", put.mutate(y=put.x * 2))
    # then both are tables of the engine
    assert session.fetch(kept.order_by("customer_id")).column("y").to_pylist() == [2.0, 4.0, 8.0]
    assert {"idic_t", "idic_t2"} <= _tables(session.con)
    # and releasing drops them
    session.release()
    assert not {"idic_t", "idic_t2"} & _tables(session.con)
    session.con.disconnect()


def _tables(con) -> set[str]:
    # (ibis 12's list_tables calls a method DuckDB 2 no longer has); put data is Arrow
    # memory DuckDB reads in place, listed as a view
    sql = "SELECT table_name FROM information_schema.tables"
    return {name for (name,) in con.raw_sql(sql).fetchall()}


def ibis_duckdb():
    import ibis

    return ibis.duckdb.connect()


# ---- the BTYD summary in the engine ---------------------------------------------------


def _summary_frame(rows, as_of, *, with_rfm: bool) -> pd.DataFrame:
    from idic.differentiate.rfm import rfm

    con = ibis_duckdb()
    try:
        t = Session(con).put("tx", _tx_table(rows))
        per = None
        if with_rfm:
            r = rfm(t, as_of=as_of)
            per = r.mutate(spend=r.monetary)
        return btyd_summary(t, as_of=as_of, per_customer=per).to_pandas().sort_values("customer_id")
    finally:
        con.disconnect()


def _tx_table(rows) -> pa.Table:
    return pa.table(
        {
            "customer_id": pa.array([r[0] for r in rows], pa.int64()),
            "ts": pa.array([r[1] for r in rows], pa.timestamp("us")),
            "amount": pa.array([r[2] for r in rows], pa.float64()),
            "cost": pa.array([None] * len(rows), pa.float64()),
        }
    )


def _reference(rows, as_of) -> pd.DataFrame:
    s = summarise(
        [r[0] for r in rows],
        np.array([r[1] for r in rows], dtype="datetime64[us]"),
        [r[2] for r in rows],
        calibration_end=as_of,
        unit_days=1,
    )
    return pd.DataFrame(
        {
            "customer_id": s.ids,
            "frequency": s.frequency,
            "recency_days": s.recency,
            "age_days": s.T,
            "monetary": s.monetary,
        }
    )


def _at(day: int, minute: int = 600) -> dt.datetime:
    return dt.datetime.combine(dt.date(2024, 1, 1), dt.time()) + dt.timedelta(
        days=day, minutes=minute
    )


SUMMARY_CASES = {
    "one purchase": [(1, _at(3), 50.0)],
    "same-day receipts are one purchase": [
        (1, _at(0), 10.0),
        (1, _at(5, 60), 20.0),
        (1, _at(5, 1300), 30.0),
        (1, _at(9), 40.0),
    ],
    "first day had two receipts": [(2, _at(1), 5.0), (2, _at(1, 900), 7.0), (2, _at(4), 9.0)],
    "purchase after as_of is ignored": [(3, _at(2), 1.0), (3, _at(40), 99.0)],
}


@pytest.mark.parametrize("with_rfm", [False, True], ids=["from transactions", "from RFM"])
@pytest.mark.parametrize("case", list(SUMMARY_CASES))
def test_btyd_summary_in_the_engine_matches_summarise(case, with_rfm):
    # given a purchase history and a calibration end
    rows, as_of = SUMMARY_CASES[case], dt.date(2024, 1, 20)
    # when it is summarised by the engine (alone, or reusing RFM's totals)
    got = _summary_frame(rows, as_of, with_rfm=with_rfm)
    # then it matches the numpy summary of the BTYD module, day for day
    expected = _reference([r for r in rows if r[1].date() <= as_of], as_of)
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), expected, check_dtype=False, rtol=1e-12
    )


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 6),
            st.integers(0, 60),
            st.integers(0, 1439),
            st.integers(0, 50_000),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_btyd_summary_property_agrees_with_summarise(draws):
    # given any history of cents amounts on up to six customers
    rows = [(c, _at(d, m), a / 100) for c, d, m, a in draws]
    as_of = dt.date(2024, 3, 31)
    # when summarised by the engine and by numpy / then they agree
    got = _summary_frame(rows, as_of, with_rfm=True).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        got, _reference(rows, as_of), check_dtype=False, rtol=1e-9, atol=1e-9
    )


def test_btyd_that_cannot_be_fitted_leaves_its_columns_empty_with_a_warning():
    # given customers none of whom bought twice
    n = 50
    scores = score_btyd(
        frequency=np.zeros(n),
        recency_days=np.zeros(n),
        age_days=np.arange(n, dtype=float) + 10,
        monetary=np.zeros(n),
        params=ScoringParams(),
        margin=0.3,
    )
    # then there is no spend model nor CLV, and the warning says why
    assert scores.expected_avg_spend is None and scores.clv is None
    assert "gamma_gamma" not in scores.fitted
    assert any("Gamma-Gamma not used" in w and "repeat purchase" in w for w in scores.warnings)


# ---- parameters -----------------------------------------------------------------------


def test_parameters_round_trip_through_json():
    # given non-default parameters
    params = ScoringParams.from_dict(
        {"value_window_days": 365, "pyramid": [["top", 10], ["rest", 90]], "fit_sample": 500}
    )
    # when stored and read back / then nothing is lost
    assert ScoringParams.from_dict(params.as_dict()) == params


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"horizon": 3}, "unknown scoring parameter"),
        ({"value_window_days": 0}, "value_window_days"),
        ({"pyramid": [["a", 50], ["b", 40]]}, "sum to 100"),
        ({"margin": 1.5}, "margin"),
        ({"time_unit_days": -7}, "time_unit_days"),
        ({"value_potential_segment": "city"}, "value_potential_segment"),
    ],
)
def test_bad_parameters_are_refused_with_the_reason(values, message):
    # then each bad value is named
    with pytest.raises(ValueError, match=message):
        ScoringParams.from_dict(values)


# ---- the pipeline ---------------------------------------------------------------------


def _run(con, *, steps=STEPS, previous: pa.Table | None = None, as_of=scoring_data.AS_OF):
    session = Session(con)
    try:
        tables = {n: session.put(f"idic_{n}", t) for n, t in scoring_data.arrow_tables().items()}
        if previous is not None:
            tables["previous"] = session.put("idic_previous", previous)
        return run_pipeline(
            session=session, tables=tables, as_of=as_of, params=ScoringParams(), steps=steps
        )
    finally:
        session.release()


def test_a_pipeline_fills_the_columns_of_its_steps_and_leaves_the_rest_null():
    # given only the RFM and decile steps
    steps = [s for s in STEPS if s.name in ("rfm", "spend", "deciles")]
    con = ibis_duckdb()
    try:
        # when the pipeline runs
        result = _run(con, steps=steps)
    finally:
        con.disconnect()
    scores = result.scores.to_pandas()
    # then every customer has a row with every snapshot column, in order
    assert list(scores.columns) == list(SCORE_COLUMNS)
    assert len(scores) == scoring_data.CUSTOMERS
    # and the steps' columns are filled for those who bought by as_of, the others null
    bought = {c for c, ts, _a, _c in scoring_data.transactions() if ts.date() <= scoring_data.AS_OF}
    filled = scores[scores.customer_id.isin(bought)]
    empty = scores[~scores.customer_id.isin(bought)]
    assert len(filled) == len(bought) and len(empty) > scoring_data.CUSTOMERS - scoring_data.BUYERS
    assert filled[["r", "decile", "rfm_segment"]].notna().all().all()
    assert empty[["r", "decile", "rfm_segment", "frequency"]].isna().all().all()
    assert scores["clv"].isna().all() and "clv" in result.null_columns


def test_steps_that_claim_the_same_column_are_refused():
    # given two steps producing "decile"
    twice = [s for s in STEPS if s.name == "deciles"] * 2
    # then the pipeline refuses to start
    con = ibis_duckdb()
    try:
        with pytest.raises(ValueError, match="several steps produce the column"):
            _run(con, steps=twice)
    finally:
        con.disconnect()


def _previous_snapshot() -> pa.Table:
    """A made-up earlier snapshot: tiers, stages, NPV and proxy ranks to compare against."""
    ids = list(range(1, scoring_data.CUSTOMERS + 1, 2))
    return pa.table(
        {
            "customer_id": pa.array(ids, pa.int64()),
            "npv_value": pa.array([float(1000 - 10 * i) for i in ids], pa.float64()),
            "proxy_rank": pa.array(ids, pa.int64()),
            "pyramid_tier": ["gold" if i < 20 else "lead" for i in ids],
            "lifecycle_stage": ["stability" if i % 3 else "decline" for i in ids],
        }
    )


def _outcome(engine_) -> dict[str, pd.DataFrame]:
    with engine_.connect() as con:
        result = _run(con, previous=_previous_snapshot())
    out = {"scores": result.scores.to_pandas().sort_values("customer_id")}
    out["transitions"] = result.transitions.to_pandas().sort_values(["kind", "customer_id"])
    for name, rows in result.reports.items():
        if isinstance(rows, list):
            out[f"report {name}"] = pd.DataFrame(rows)
    fitted = {
        f"{model}.{key}": value
        for model, values in result.model_parameters.items()
        for key, value in values.items()
        if isinstance(value, float) and key not in ("seconds", "log_likelihood")
    }
    out["fitted"] = pd.DataFrame([fitted])
    # a warning's first words (its detail may carry timings)
    out["warnings"] = pd.DataFrame({"warning": [w.split(":")[0] for w in result.warnings]})
    return {k: v.reset_index(drop=True) for k, v in out.items()}


@pytest.fixture(scope="module")
def reference_outcome() -> dict[str, pd.DataFrame]:
    return _outcome(REFERENCE)


def test_reference_run_scores_every_customer_with_every_step(reference_outcome):
    # given the whole pipeline on DuckDB with a previous snapshot
    scores = reference_outcome["scores"]
    # then buyers have every column; customer 7's three receipts are one purchase day
    buyer = scores[scores.customer_id == 7].iloc[0]
    assert buyer[[c for c in SCORE_COLUMNS if c != "proxy_rank_change"]].notna().all()
    days_7 = {r[1].date() for r in scoring_data.transactions() if r[0] == 7}
    assert buyer["frequency"] == len([d for d in days_7 if d <= scoring_data.AS_OF])
    # and rank changes and transitions refer to the previous snapshot
    assert scores.loc[scores.customer_id == 1, "proxy_rank_change"].notna().all()
    assert scores.loc[scores.customer_id == 2, "proxy_rank_change"].isna().all()
    assert set(reference_outcome["transitions"].kind) == {"lifecycle", "tier"}
    assert reference_outcome["warnings"].empty


@pytest.fixture(scope="module", params=engine_params(ENGINES[1:]))
def other_outcome(request) -> dict[str, pd.DataFrame]:
    return _outcome(request.param)


def test_pipeline_gives_the_same_result_on_every_engine(reference_outcome, other_outcome):
    # given the same data scored by the whole pipeline on DuckDB and on another engine
    # then scores, transition events, reports and fitted models are the same
    assert set(other_outcome) == set(reference_outcome)
    for name, expected in reference_outcome.items():
        actual = other_outcome[name]
        assert list(actual.columns) == list(expected.columns), name
        pd.testing.assert_frame_equal(
            actual, expected, check_dtype=False, rtol=1e-7, atol=1e-9, obj=name
        )
