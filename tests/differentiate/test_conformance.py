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

from idic.differentiate.concentration import gini, lorenz_curve, top_shares
from idic.differentiate.deciles import decile_assignments, decile_table
from idic.differentiate.grading_input import customer_spend
from idic.differentiate.pyramid import Grade, abc_classes, abc_table, pyramid_summary, pyramid_tiers
from idic.differentiate.rfm import rfm, rfm_purchase_rate

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
}


def _normalised(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object and out[col].map(lambda v: isinstance(v, dt.date)).any():
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
