"""Churn features, labels, the logistic model and its out-of-time validation."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from idic.differentiate.churn import (
    FEATURES,
    churn_time_split,
    design_matrix,
    predict_churn,
    train_churn_model,
)
from idic.differentiate.churn_features import churn_features, churn_labels

from .engines import fresh_default_backend, transactions_table  # noqa: F401 (fixture)

CUTOFF = dt.date(2024, 3, 31)

ROWS = [
    # 1: four purchase days (two receipts on 2024-03-01), spend rising, buys again after
    (1, "2023-10-05 10:00", 10.0),
    (1, "2024-01-15 10:00", 20.0),
    (1, "2024-03-01 09:00", 30.0),
    (1, "2024-03-01 18:00", 40.0),
    (1, "2024-03-31 20:00", 50.0),
    (1, "2024-05-01 10:00", 99.0),
    # 2: one purchase, then nothing: churned
    (2, "2024-02-10 10:00", 70.0),
    # 3: bought only after the cut-off: not described
    (3, "2024-04-02 10:00", 5.0),
]


def test_features_of_a_small_data_set():
    # given a few histories / when described at the cut-off with 90-day windows
    out = churn_features(transactions_table(ROWS), cutoff_date=CUTOFF).execute()
    f = out.set_index("customer_id")
    # then customer 1: last purchase on the cut-off day, four purchase days, 150 spent
    assert f.loc[1, ["recency_days", "frequency", "monetary", "tenure_days"]].tolist() == [
        0, 4, 150.0, 178,
    ]  # fmt: skip
    # gaps: 178 days over 3 gaps; last window (2024-01-02..03-31) 140, previous 10
    assert f.loc[1, "mean_gap_days"] == pytest.approx(178 / 3)
    assert f.loc[1, "recency_gap_ratio"] == 0.0
    assert f.loc[1, ["spend_last_window", "spend_previous_window"]].tolist() == [140.0, 10.0]
    assert f.loc[1, "trend"] == pytest.approx(14.0)
    # and customer 2 has no gap (one purchase) and no previous-window spend
    assert pd.isna(f.loc[2, "mean_gap_days"]) and pd.isna(f.loc[2, "recency_gap_ratio"])
    assert pd.isna(f.loc[2, "trend"])
    # and customer 3, who bought only after the cut-off, is not there
    assert 3 not in f.index


def test_labels_look_at_the_following_window_only():
    # given the same histories
    tx = transactions_table(ROWS)
    # when labelled with a 90-day window, and with a 20-day window
    in_90 = churn_labels(tx, cutoff_date=CUTOFF).execute().set_index("customer_id").churned
    in_20 = churn_labels(tx, cutoff_date=CUTOFF, window_days=20).execute()
    # then customer 1 bought again within 90 days (on day 31) but not within 20
    assert in_90.to_dict() == {1: False, 2: True}
    assert in_20.set_index("customer_id").churned.to_dict() == {1: True, 2: True}


def test_population_can_be_limited_to_recently_active_customers():
    tx = transactions_table(ROWS)
    out = churn_features(tx, cutoff_date=CUTOFF, active_within_days=30).execute()
    assert out.customer_id.tolist() == [1]


def synthetic(n: int, seed: int) -> tuple[ibis.Table, dt.date]:
    """Customers who buy at their own Poisson rate and stop for good at a random time
    (exponential lifetime): whether they stopped shows in their recency and rhythm."""
    rng = np.random.default_rng(seed)
    start, horizon = pd.Timestamp("2022-01-01"), 730
    customer, days = [], []
    for cid in range(1, n + 1):
        rate = rng.gamma(2.0, 1 / 40)  # purchases per day, one every 20 days on average
        birth = rng.uniform(0, 400)
        end = min(birth + rng.exponential(400), horizon)
        gaps = rng.exponential(1 / rate, size=int(3 * rate * (end - birth)) + 20)
        times = birth + np.cumsum(gaps)
        times = times[times <= end]
        customer += [cid] * len(times)
        days += list(times)
    frame = pd.DataFrame(
        {
            "customer_id": np.array(customer, dtype="int64"),
            "ts": (start + pd.to_timedelta(np.array(days), unit="D")).floor("min"),
            "amount": rng.gamma(2.0, 25.0, size=len(days)).round(2),
        }
    )
    return ibis.memtable(frame), (start + pd.Timedelta(days=horizon - 1)).date()


def test_time_split_validation_finds_predictable_churners():
    # given 1,500 synthetic customers whose stopping shows in their history
    tx, as_of = synthetic(1500, seed=7)
    # when trained at as_of - 180 days and validated at as_of - 90 days
    model = churn_time_split(tx, as_of=as_of, window_days=90)
    # then the out-of-time AUC is well above chance
    assert model.auc is not None and model.auc > 0.75
    assert model.train_cutoff == as_of - dt.timedelta(days=180)
    assert model.validation_cutoff == as_of - dt.timedelta(days=90)
    assert model.validation_rows > 1000
    # and a long silence relative to the customer's own rhythm raises the risk
    assert model.coefficients["log_recency_gap_ratio"] > 0
    summary = model.summary()
    assert summary["auc"] == round(model.auc, 4)
    assert set(summary["coefficients"]) == set(FEATURES)


def test_random_labels_give_an_auc_near_one_half():
    # given the synthetic features with labels drawn at random
    tx, as_of = synthetic(1500, seed=11)
    train = churn_features(tx, cutoff_date=as_of - dt.timedelta(days=180)).execute()
    valid = churn_features(tx, cutoff_date=as_of - dt.timedelta(days=90)).execute()
    rng = np.random.default_rng(3)
    # when the model learns them
    model = train_churn_model(
        train,
        rng.random(len(train)) < 0.5,
        validation=(valid, rng.random(len(valid)) < 0.5),
    )
    # then it predicts no better than chance
    assert model.auc == pytest.approx(0.5, abs=0.05)


def test_predict_churn_gives_a_probability_per_customer():
    # given a model trained on the synthetic data
    tx, as_of = synthetic(800, seed=5)
    model = churn_time_split(tx, as_of=as_of)
    features = churn_features(tx, cutoff_date=as_of).execute()
    # when applied at as_of
    risk = predict_churn(model, features)
    # then every customer has a probability, and the long silent ones score higher
    assert list(risk.columns) == ["customer_id", "churn_risk"]
    assert len(risk) == len(features)
    assert risk.churn_risk.between(0, 1).all()
    merged = risk.merge(features, on="customer_id")
    silent = merged[merged.recency_days > 180].churn_risk.mean()
    recent = merged[merged.recency_days < 14].churn_risk.mean()
    assert silent > recent


def test_training_refuses_bad_labels_and_features():
    tx, as_of = synthetic(200, seed=2)
    features = churn_features(tx, cutoff_date=as_of - dt.timedelta(days=90)).execute()
    n = len(features)
    # given labels that are all the same, of the wrong length, or missing
    with pytest.raises(ValueError, match="all churned"):
        train_churn_model(features, np.ones(n, dtype=bool))
    with pytest.raises(ValueError, match=f"one per feature row \\({n}\\)"):
        train_churn_model(features, np.ones(n - 1, dtype=bool))
    with pytest.raises(ValueError, match="missing values"):
        train_churn_model(features, np.array([True, None] * (n // 2) + [False] * (n % 2)))
    # and features without a column, or with a negative spend
    with pytest.raises(ValueError, match=r"lack column.* monetary"):
        design_matrix(features.drop(columns="monetary"))
    with pytest.raises(ValueError, match="negative values in monetary"):
        design_matrix(features.assign(monetary=-1.0))
    with pytest.raises(ValueError, match="regularisation"):
        train_churn_model(features, np.arange(n) % 2 == 0, regularisation=0)


def test_labels_need_an_observed_window():
    # given transactions that end on the cut-off
    tx = transactions_table([(1, "2024-01-01", 5.0), (2, "2024-03-31", 5.0)])
    # when / then labels cannot be drawn
    with pytest.raises(ValueError, match="not observed"):
        churn_labels(tx, cutoff_date=CUTOFF)
    with pytest.raises(ValueError, match="window_days"):
        churn_features(tx, cutoff_date=CUTOFF, window_days=0)
    with pytest.raises(ValueError, match="cutoff_date must be a date"):
        churn_labels(tx, cutoff_date=dt.datetime(2024, 3, 31, 12))  # noqa: DTZ001


def test_time_split_needs_history_before_the_training_cutoff():
    # given six weeks of data only
    tx = transactions_table([(1, "2024-03-01", 5.0), (1, "2024-04-10", 5.0)])
    # when the time split needs data before as_of - 180 days / then a clear error
    with pytest.raises(ValueError, match="no transaction at or before the cut-off"):
        churn_time_split(tx, as_of=dt.date(2024, 4, 10))
    with pytest.raises(ValueError, match="as_of must be a date"):
        churn_time_split(tx, as_of="2024-04-10")  # type: ignore[arg-type]
