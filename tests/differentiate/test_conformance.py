"""The same grading expressions give the same results on every analytical engine.

The reference engine (DuckDB) and each other engine of ``engines.ENGINES`` load
one fixed data set; every computation's result, sorted by its key, must match
(floats to 1e-9).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from idic.differentiate.activity import activity_classes
from idic.differentiate.churn_features import churn_features, churn_labels
from idic.differentiate.concentration import gini, lorenz_curve, top_shares
from idic.differentiate.customer_grades import customer_grades
from idic.differentiate.deciles import decile_assignments, decile_table
from idic.differentiate.grading_input import customer_spend
from idic.differentiate.lifecycle import lifecycle_stages, stage_transitions
from idic.differentiate.loyalty import loyalty_classes
from idic.differentiate.proxy_scoring import COURSE_MODEL, Indicator, ScoringModel, proxy_scores
from idic.differentiate.purchase_days import daily_purchases
from idic.differentiate.pyramid import Grade, abc_classes, abc_table, pyramid_summary, pyramid_tiers
from idic.differentiate.rfm import rfm, rfm_purchase_rate
from idic.differentiate.value import historical_value, npv_value
from idic.differentiate.value_churn import ValueChurnRules, value_churn_matrix
from idic.differentiate.value_matrix import segment_potential, value_matrix

from .engines import ENGINES, REFERENCE, engine_params

AS_OF = dt.date(2024, 6, 30)
YEAR = {"start": dt.date(2023, 7, 1), "end": dt.date(2024, 7, 1)}


def fixed_data() -> dict[str, pd.DataFrame]:
    """~3,000 transactions of 400 customers with the awkward cases on purpose:
    same-day repeats, identical customers (ties), rows after as_of, null costs,
    and staff effort on customers who never bought."""
    rng = np.random.default_rng(20241122)
    n = 3000
    customers = rng.integers(1, 401, n)
    start = pd.Timestamp("2022-07-01")
    ts = start + pd.to_timedelta(rng.integers(0, 2 * 365 * 24 * 60, n), unit="min")
    amount = rng.integers(0, 50_000, n) / 100
    cost = np.where(rng.random(n) < 0.3, np.nan, amount * rng.uniform(0.2, 0.9, n)).round(2)
    tx = pd.DataFrame({"customer_id": customers, "ts": ts, "amount": amount, "cost": cost})
    # same-day repeats for customer 7
    same_day = pd.DataFrame(
        {
            "customer_id": [7, 7, 7],
            "ts": pd.to_datetime(["2024-06-01 09:00", "2024-06-01 17:30", "2024-06-01 23:59"]),
            "amount": [10.0, 20.0, 30.0],
            "cost": [np.nan, 5.0, np.nan],
        }
    )
    # customers 1001..1005 copy customer 11's history exactly: ties in every measure
    twins = [tx[tx.customer_id == 11].assign(customer_id=c) for c in range(1001, 1006)]
    # purchases after as_of must be ignored (customer 2000 bought only then)
    late = pd.DataFrame(
        {
            "customer_id": [3, 2000],
            "ts": pd.to_datetime(["2024-07-02 10:00", "2024-08-01 10:00"]),
            "amount": [999.0, 50.0],
            "cost": [1.0, 1.0],
        }
    )
    tx = pd.concat([tx, same_day, *twins, late], ignore_index=True)
    tx["customer_id"] = tx["customer_id"].astype("int64")
    effort = pd.DataFrame(
        {
            "customer_id": np.concatenate([rng.integers(1, 401, 600), [5000, 5000, 5001]]),
            "minutes": np.concatenate([rng.integers(1, 120, 600), [30, 15, 45]]).astype(float),
        }
    )
    return {"transactions": tx, "effort": effort}


Case = Callable[[dict], object]
EARLIER = dt.date(2023, 12, 31)


def _actual(t: dict, as_of: dt.date):
    hv = historical_value(t["transactions"], as_of=as_of)
    return hv.select("customer_id", actual_value=hv.historical_value)


def _npv(t: dict, as_of: dt.date):
    v = npv_value(t["transactions"], as_of=as_of, horizon=3, rate=0.05, serving_cost=150.0)
    return v.select("customer_id", actual_value=v.npv_value)


def _with_segment_potential(t: dict):
    actual = _npv(t, AS_OF)
    segments = rfm(t["transactions"], as_of=AS_OF).select("customer_id", "segment")
    return segment_potential(actual.inner_join(segments, "customer_id"))


def _proxy_inputs(t: dict):
    f = churn_features(t["transactions"], cutoff_date=AS_OF)
    return f.select(
        "customer_id",
        revenue=f.monetary,
        revenue_change=f.spend_last_window - f.spend_previous_window,
        relationship=f.tenure_days,
        technical_linkage=f.frequency,
        share_of_wallet=f.spend_last_window,
        partnership=f.recency_days,
    )


MIXED_MODEL = ScoringModel(
    "mixed",
    (
        Indicator("spend", "revenue", 40, normalisation="rank"),
        Indicator("recency", "partnership", 35.5, direction="lower"),
        Indicator("tenure", "relationship", 24.5, direction="lower", normalisation="rank"),
    ),
)


def _risk(t: dict):
    f = churn_features(t["transactions"], cutoff_date=AS_OF)
    return f.select("customer_id", churn_risk=f.recency_days / (f.recency_days + 30.0))


CASES: dict[str, tuple[Case, list[str]]] = {
    "rfm_total": (lambda t: rfm(t["transactions"], as_of=AS_OF), ["customer_id"]),
    "rfm_average": (
        lambda t: rfm(t["transactions"], as_of=AS_OF, monetary="average"),
        ["customer_id"],
    ),
    "rfm_purchase_rate": (
        lambda t: rfm_purchase_rate(t["transactions"], as_of=AS_OF),
        ["customer_id"],
    ),
    "customer_grades": (
        lambda t: customer_grades(t["transactions"], as_of=AS_OF),
        ["customer_id"],
    ),
    "customer_grades_window_average": (
        lambda t: customer_grades(
            daily_purchases(t["transactions"]),
            as_of=AS_OF,
            start=YEAR["start"],
            monetary="average",
            tiers=(Grade("top", 2.5), Grade("mid", 22.5), Grade("rest", 75)),
        ),
        ["customer_id"],
    ),
    "decile_assignments": (
        lambda t: decile_assignments(t["transactions"], **YEAR),
        ["customer_id"],
    ),
    "decile_table": (lambda t: decile_table(t["transactions"], **YEAR), ["decile"]),
    "top_shares": (
        lambda t: top_shares(customer_spend(t["transactions"], **YEAR), percents=(1, 5, 20, 50)),
        ["top_pct"],
    ),
    "lorenz_20": (
        lambda t: lorenz_curve(customer_spend(t["transactions"], **YEAR), points=20),
        ["point"],
    ),
    "lorenz_all": (
        lambda t: lorenz_curve(customer_spend(t["transactions"]), points=None),
        ["point"],
    ),
    "gini": (lambda t: gini(customer_spend(t["transactions"], **YEAR)), ["customers"]),
    "pyramid_tiers": (lambda t: pyramid_tiers(t["transactions"], **YEAR), ["customer_id"]),
    "pyramid_summary": (
        lambda t: pyramid_summary(
            t["transactions"], tiers=(Grade("top", 2.5), Grade("mid", 22.5), Grade("rest", 75))
        ),
        ["tier_rank"],
    ),
    "abc_classes": (
        lambda t: abc_classes(t["transactions"], effort=t["effort"], **YEAR),
        ["customer_id"],
    ),
    "abc_table_revenue": (
        lambda t: abc_table(t["transactions"], effort=t["effort"], **YEAR),
        ["class_rank"],
    ),
    "abc_table_customers": (
        lambda t: abc_table(
            t["transactions"],
            basis="customers",
            classes=(Grade("A", 1), Grade("B", 19), Grade("C", 80)),
        ),
        ["class_rank"],
    ),
    "historical_value": (
        lambda t: historical_value(t["transactions"], as_of=AS_OF, default_margin=0.3),
        ["customer_id"],
    ),
    "npv_value": (
        lambda t: npv_value(
            t["transactions"],
            as_of=AS_OF,
            horizon=4,
            rate=0.02,
            period_days=90,
            lookback_periods=4,
            serving_cost=5.0,
        ),
        ["customer_id"],
    ),
    "segment_potential": (_with_segment_potential, ["customer_id"]),
    "value_matrix": (
        lambda t: value_matrix(_with_segment_potential(t), previous=_npv(t, EARLIER)),
        ["customer_id"],
    ),
    "proxy_scores_course": (
        lambda t: proxy_scores(
            _proxy_inputs(t),
            model=COURSE_MODEL,
            previous=proxy_scores(_proxy_inputs(t), model=MIXED_MODEL).select(
                "customer_id", "rank"
            ),
        ),
        ["customer_id"],
    ),
    "proxy_scores_mixed": (
        # without a previous snapshot the rank columns are all null: nothing to compare
        lambda t: proxy_scores(_proxy_inputs(t), model=MIXED_MODEL).drop(
            "previous_rank", "rank_change"
        ),
        ["customer_id"],
    ),
    "loyalty_classes": (
        lambda t: loyalty_classes(
            t["transactions"], as_of=AS_OF, customers=t["effort"].select("customer_id")
        ),
        ["customer_id"],
    ),
    "activity_share": (
        lambda t: activity_classes(t["transactions"], as_of=AS_OF, window_days=120),
        ["customer_id"],
    ),
    "activity_threshold": (
        lambda t: activity_classes(t["transactions"], as_of=AS_OF, by="threshold"),
        ["customer_id"],
    ),
    "lifecycle_stages": (
        lambda t: lifecycle_stages(t["transactions"], as_of=AS_OF),
        ["customer_id"],
    ),
    "stage_transitions": (
        lambda t: stage_transitions(
            lifecycle_stages(t["transactions"], as_of=EARLIER),
            lifecycle_stages(t["transactions"], as_of=AS_OF),
        ),
        ["customer_id"],
    ),
    "lifecycle_from_purchase_days": (
        lambda t: lifecycle_stages(daily_purchases(t["transactions"]), as_of=AS_OF),
        ["customer_id"],
    ),
    "churn_features": (
        lambda t: churn_features(t["transactions"], cutoff_date=EARLIER, window_days=60),
        ["customer_id"],
    ),
    "churn_labels": (
        lambda t: churn_labels(t["transactions"], cutoff_date=EARLIER, window_days=60),
        ["customer_id"],
    ),
    "value_churn_matrix": (
        lambda t: value_churn_matrix(
            _actual(t, AS_OF),
            _risk(t),
            value_column="actual_value",
            rules=ValueChurnRules(value_top_pct=(10, 40), risk_cuts=(0.3, 0.6)),
        ),
        ["customer_id"],
    ),
}


def _normalised(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].isna().all():  # engines return an all-null column as None or as NaN
            out[col] = pd.Series(np.nan, index=out.index, dtype="float64")
        elif out[col].dtype == object and out[col].map(lambda v: isinstance(v, dt.date)).any():
            out[col] = pd.to_datetime(out[col])
        elif pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].astype("datetime64[ns]")
    return out.sort_values(keys).reset_index(drop=True)


def _run_all(engine) -> dict[str, pd.DataFrame]:
    with engine.open() as load:
        tables = {name: load(name, frame) for name, frame in fixed_data().items()}
        return {
            name: _normalised(build(tables).execute(), keys)
            for name, (build, keys) in CASES.items()
        }


@pytest.fixture(scope="module")
def reference_results() -> dict[str, pd.DataFrame]:
    return _run_all(REFERENCE)


@pytest.fixture(scope="module", params=engine_params(ENGINES[1:]))
def engine_results(request) -> dict[str, pd.DataFrame]:
    return _run_all(request.param)


@pytest.mark.parametrize("case", list(CASES))
def test_engine_matches_reference(case, reference_results, engine_results):
    # given the fixed data set loaded on the reference engine and on another engine
    expected = reference_results[case]
    # when the same expression ran on both
    actual = engine_results[case]
    # then the results are identical up to float rounding
    assert list(actual.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False, rtol=1e-9, atol=1e-9)


def test_fixture_exercises_the_awkward_cases(reference_results):
    # given the reference results of the fixed data set
    scores = reference_results["rfm_total"].set_index("customer_id")
    # then customer 7's three receipts on 2024-06-01 count as one purchase day
    tx = fixed_data()["transactions"]
    days_7 = tx[(tx.customer_id == 7) & (tx.ts < "2024-07-01")].ts.dt.date.nunique()
    assert scores.loc[7, "frequency"] == days_7
    # and the copies of customer 11 share every score with it
    twins = scores.loc[[11, 1001, 1002, 1003, 1004, 1005], ["r", "f", "m", "segment"]]
    assert len(twins.drop_duplicates()) == 1
    # and purchases after as_of are ignored
    assert 2000 not in scores.index
    assert scores.loc[3, "last_purchase"] <= pd.Timestamp(AS_OF)
    # and effort-only customers are graded, with zero revenue, in the last class
    abc = reference_results["abc_classes"].set_index("customer_id")
    assert abc.loc[5000, "effort_minutes"] == 45.0
    assert abc.loc[5000, "abc_class"] == "C"


def test_bitmap_day_count_matches_the_portable_grades(reference_results):
    # given the fixed data set on DuckDB, the only engine with bit strings
    with REFERENCE.open() as load:
        tx = load("transactions", fixed_data()["transactions"])
        # when purchase days are counted as bits
        bits = _normalised(
            customer_grades(tx, as_of=AS_OF, day_count="bitmap").execute(), ["customer_id"]
        )
    # then the grades are those every engine computes by grouping days
    pd.testing.assert_frame_equal(bits, reference_results["customer_grades"], check_dtype=False)
