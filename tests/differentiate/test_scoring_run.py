"""``idic score`` and ``idic export scores`` on the operational database (SQLite or the
PostgreSQL that DATABASE_URL names): imported data → snapshot → transitions → export,
and bad input that writes nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from idic.analytics import engine
from idic.differentiate.models import CustomerScore, ScoreRun, StageTransition
from idic.differentiate.scoring.columns import SCORE_COLUMNS
from idic.differentiate.scoring.pipeline import STEPS
from idic.differentiate.services import scoring, snapshots
from idic.identify.models import Customer, SourceRecord
from idic.identify.services import imports

from . import scoring_data

pytestmark = pytest.mark.django_db

# the columns the issue asks the export for, in its order
ISSUE_COLUMNS = [
    "customer_id", "recency_days", "frequency", "monetary", "r", "f", "m", "rfm_segment",
    "decile", "pyramid_tier", "abc_class", "historical_value", "npv_value",
    "expected_purchases", "p_alive", "expected_avg_spend", "clv", "value_class",
    "loyalty_class", "activity_class", "lifecycle_stage", "churn_risk",
]  # fmt: skip


def _import(files, kinds=("customers", "transactions", "interactions")) -> dict[str, int]:
    for kind in kinds:
        report = imports.import_file(kind=kind, path=files[kind], actor="test")
        assert report.status == "succeeded", report.errors[:3]
    return dict(SourceRecord.objects.values_list("source_id", "customer_id"))


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def imported(data_dir, tmp_path) -> dict[str, int]:
    """The fixed data set imported; maps source id ``S<n>`` to the customer's id."""
    return _import(scoring_data.import_files(tmp_path))


def _score(*args: str) -> tuple[dict, str]:
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):  # the messages below are matched in English
        call_command("score", *args, stdout=out, stderr=err)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1, lines
    return json.loads(lines[0]), err.getvalue()


def _purchases(customer: int, *, up_to=scoring_data.AS_OF):
    return [r for r in scoring_data.transactions() if r[0] == customer and r[1].date() <= up_to]


def test_score_prints_one_json_line_and_keeps_a_snapshot(imported):
    # given the imported data set
    # when it is scored as of AS_OF
    summary, progress = _score("--as-of", scoring_data.AS_OF.isoformat())
    # then the JSON line names the run, the day, the counts and the time of every step
    run = ScoreRun.objects.get()
    assert (summary["run_id"], summary["as_of"], summary["engine"]) == (
        run.pk,
        "2024-09-30",
        "duckdb",
    )
    rows = scoring_data.transactions()
    assert summary["counts"]["customers"] == scoring_data.CUSTOMERS
    assert summary["counts"]["transactions"] == len(rows)
    in_scope = [r for r in rows if r[1].date() <= scoring_data.AS_OF]
    assert summary["counts"]["transactions_in_scope"] == len(in_scope)
    assert summary["counts"]["customers_with_purchases"] == len({r[0] for r in in_scope})
    assert {s.name for s in STEPS} | {"read_transactions", "write_scores", "total"} <= set(
        summary["timings"]
    )
    # and the fitted models with their time unit, and the churn model's AUC
    bg, gg = summary["model_parameters"]["bgnbd"], summary["model_parameters"]["gamma_gamma"]
    assert bg["time_unit"] == "week" and min(bg[k] for k in ("r", "alpha", "a", "b")) > 0
    assert min(gg[k] for k in ("p", "q", "gamma")) > 0
    churn = summary["model_parameters"]["churn"]
    assert 0.0 <= churn["auc"] <= 1.0 and churn["train_rows"] > 0
    assert summary["null_columns"] == [] and summary["warnings"] == []
    # and a progress bar went to stderr
    assert "100%" in progress
    # and every customer has a snapshot row
    assert CustomerScore.objects.filter(run=run).count() == scoring_data.CUSTOMERS


def test_snapshot_counts_same_day_receipts_as_one_purchase(imported):
    # given customer 7, with three receipts on 2024-06-01
    _score("--as-of", scoring_data.AS_OF.isoformat())
    row = CustomerScore.objects.get(customer_id=imported["S7"])
    bought = _purchases(7)
    # then frequency counts purchase days, and monetary is the whole spend
    assert row.frequency == len({ts.date() for _c, ts, _a, _k in bought})
    assert row.frequency < len(bought)
    assert row.monetary == pytest.approx(sum(a for _c, _t, a, _k in bought), abs=1e-6)
    assert (
        row.recency_days == (scoring_data.AS_OF - max(ts.date() for _c, ts, _a, _k in bought)).days
    )
    # and a customer who never bought has no RFM but is a potential customer
    never = CustomerScore.objects.get(customer_id=imported["S62"])
    assert (never.frequency, never.rfm_segment, never.loyalty_class) == (None, None, "potential")


def test_second_run_records_transitions_against_the_first(imported):
    # given a run as of AS_OF
    first, _ = _score("--as-of", scoring_data.AS_OF.isoformat())
    # when the data are scored again three months later
    second, _ = _score("--as-of", scoring_data.LATER.isoformat())
    # then the second run points at the first and recorded its transition events
    later = ScoreRun.objects.get(pk=second["run_id"])
    assert later.previous_id == first["run_id"]
    events = StageTransition.objects.filter(run=later)
    assert sum(second["counts"]["transitions"].values()) == events.count() > 0
    assert set(events.values_list("kind", flat=True)) == {"lifecycle", "tier"}
    # and each event agrees with the two snapshots
    for event in events[:20]:
        field = "lifecycle_stage" if event.kind == "lifecycle" else "pyramid_tier"
        before = CustomerScore.objects.get(run_id=first["run_id"], customer=event.customer_id)
        after = CustomerScore.objects.get(run=later, customer=event.customer_id)
        assert (getattr(before, field), getattr(after, field)) == (
            event.from_stage,
            event.to_stage,
        )
        assert event.from_stage != event.to_stage
    # and the tier migration matrix accounts for every customer once
    matrix = snapshots.tier_migration(run_a=first["run_id"], run_b=second["run_id"])["matrix"]
    assert sum(n for row in matrix.values() for n in row.values()) == scoring_data.CUSTOMERS
    # and the proxy rank change is the move against the first run
    a = CustomerScore.objects.get(run_id=first["run_id"], customer=imported["S3"])
    b = CustomerScore.objects.get(run=later, customer=imported["S3"])
    assert b.proxy_rank_change == a.proxy_rank - b.proxy_rank
    # and the customer's history lists both runs, newest first
    history = snapshots.customer_scores(customer_id=imported["S3"])
    assert [h["as_of"] for h in history] == ["2024-12-31", "2024-09-30"]


def test_run_keeps_its_reports_for_the_pages(imported):
    # given a run
    _score("--as-of", scoring_data.AS_OF.isoformat())
    # then the decile table, Pareto figures, pyramid and ABC tables are kept with it
    deciles = snapshots.decile_table()
    assert [d["decile"] for d in deciles] == list(range(1, 11))
    assert sum(d["spend_share_pct"] for d in deciles) == pytest.approx(100.0)
    pareto = snapshots.pareto()
    assert [s["top_pct"] for s in pareto["top_shares"]] == [1.0, 5.0, 20.0]
    assert 0 < pareto["gini"]["gini"] < 1
    assert [t["tier"] for t in snapshots.pyramid()] == ["platinum", "gold", "iron", "lead"]
    assert "effort_pct" in snapshots.abc()[0]
    counts = snapshots.segment_counts(field="pyramid_tier")
    assert sum(counts.values()) == scoring_data.CUSTOMERS
    with pytest.raises(snapshots.SnapshotError, match="no report 'funnel'"):
        snapshots.report(name="funnel")


def test_export_writes_the_latest_snapshot_in_the_issue_column_order(imported, tmp_path):
    # given two runs
    _score("--as-of", scoring_data.AS_OF.isoformat())
    second, _ = _score("--as-of", scoring_data.LATER.isoformat())
    out = tmp_path / "scores.csv"
    # when the scores are exported
    call_command("export_scores", "--out", str(out), stderr=io.StringIO())
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # then the issue's columns come first, in its order, one row per customer of the latest run
    with out.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[: len(ISSUE_COLUMNS)] == ISSUE_COLUMNS
    assert header == list(SCORE_COLUMNS)
    assert len(rows) == scoring_data.CUSTOMERS
    row = next(r for r in rows if r["customer_id"] == str(imported["S7"]))
    stored = CustomerScore.objects.get(run_id=second["run_id"], customer=imported["S7"])
    assert (row["frequency"], row["rfm_segment"], row["monetary"]) == (
        str(stored.frequency),
        stored.rfm_segment,
        f"{stored.monetary:.2f}",
    )


def test_export_of_an_earlier_run_and_of_no_run(imported, tmp_path):
    # given no run yet
    out = tmp_path / "scores.csv"
    # then the export says what to do
    with pytest.raises(CommandError, match="run `idic score` first"):
        call_command("export_scores", "--out", str(out))
    # and after two runs the first can still be exported
    first, _ = _score("--as-of", scoring_data.AS_OF.isoformat())
    _score("--as-of", scoring_data.LATER.isoformat())
    call_command(
        "export_scores", "--out", str(out), "--run", str(first["run_id"]), stderr=io.StringIO()
    )
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    stored = dict(
        CustomerScore.objects.filter(run_id=first["run_id"]).values_list("customer_id", "decile")
    )
    assert {
        int(r["customer_id"]): (int(r["decile"]) if r["decile"] else None) for r in rows
    } == stored
    with pytest.raises(CommandError, match="score run 999999 does not exist"):
        call_command("export_scores", "--run", "999999")


def test_merged_customers_purchases_count_for_the_survivor(imported):
    # given customer 2 merged into customer 1
    Customer.objects.filter(pk=imported["S2"]).update(merged_into_id=imported["S1"])
    # when scored
    _score("--as-of", scoring_data.AS_OF.isoformat())
    # then the merged customer has no row and the survivor has both histories
    assert not CustomerScore.objects.filter(customer_id=imported["S2"]).exists()
    survivor = CustomerScore.objects.get(customer_id=imported["S1"])
    days = {ts.date() for _c, ts, _a, _k in _purchases(1) + _purchases(2)}
    assert survivor.frequency == len(days)


# ---- bad input: a clear error and nothing written --------------------------------------


def _nothing_written() -> bool:
    return not (
        ScoreRun.objects.exists()
        or CustomerScore.objects.exists()
        or StageTransition.objects.exists()
    )


def test_no_transactions_means_nothing_to_score(data_dir, tmp_path):
    # given customers but no transactions
    _import(scoring_data.import_files(tmp_path), kinds=("customers",))
    # then scoring says to import transactions, and writes nothing
    with pytest.raises(CommandError, match="nothing to score — import transactions first"):
        _score()
    assert _nothing_written()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2999-01-01"], "is in the future"),
        (["--as-of", "2020-01-01"], "no transaction at or before as_of 2020-01-01"),
        (["--as-of", "2024-13-01"], "is not a date; write it as YYYY-MM-DD"),
    ],
)
def test_bad_as_of_is_refused(imported, args, message):
    # when scored with an impossible day / then the error says why, and nothing is written
    with pytest.raises(CommandError, match=message) as refused:
        _score(*args)
    assert refused.value.returncode == 2  # wrong input
    assert _nothing_written()


def test_bad_parameters_file_is_refused(imported, tmp_path):
    # given a parameters file with a misspelt name
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"value_window_day": 365}), encoding="utf-8")
    # then the run names it, and nothing is written
    with pytest.raises(CommandError, match=r"unknown scoring parameter.*value_window_day"):
        _score("--as-of", scoring_data.AS_OF.isoformat(), "--params", str(params))
    assert _nothing_written()


def test_a_failure_while_writing_leaves_no_snapshot(imported, monkeypatch):
    # given a database write that fails after the scores were written
    def broken(**_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(scoring, "write_transitions", broken)
    # when scored / then the error surfaces and the half-written snapshot is rolled back
    with pytest.raises(RuntimeError, match="disk full"):
        scoring.run_scoring(as_of=scoring_data.AS_OF)
    assert _nothing_written()


def test_postgres_engine_is_refused_without_a_postgresql_store(imported, monkeypatch):
    # given an operational store that is not PostgreSQL
    monkeypatch.setattr(engine, "operational_is_postgres", lambda: False)
    # then the postgres engine is refused with the remedy, and nothing is written
    with pytest.raises(CommandError, match="use --engine duckdb"):
        _score("--as-of", scoring_data.AS_OF.isoformat(), "--engine", "postgres")
    assert _nothing_written()


@pytest.mark.django_db(transaction=True)
def test_postgres_engine_scores_inside_postgresql_like_duckdb(data_dir, tmp_path):
    # given the data set in the operational store, customer 2 merged into customer 1
    ids = _import(scoring_data.import_files(tmp_path))
    Customer.objects.filter(pk=ids["S2"]).update(merged_into_id=ids["S1"])
    day = scoring_data.AS_OF.isoformat()
    if connection.vendor != "postgresql":
        # then on SQLite the postgres engine is refused
        with pytest.raises(CommandError, match="DATABASE_URL names a SQLite file"):
            _score("--as-of", day, "--engine", "postgres")
        return
    # when it is scored by DuckDB and by PostgreSQL itself
    a, _ = _score("--as-of", day, "--engine", "duckdb")
    b, _ = _score("--as-of", day, "--engine", "postgres")
    # then both snapshots hold the same scores and the same fitted models
    fields = ["customer_id", *[c for c in SCORE_COLUMNS if c != "customer_id"]]
    first = list(
        CustomerScore.objects.filter(run_id=a["run_id"])
        .order_by("customer_id")
        .values_list(*fields)
    )
    second = list(
        CustomerScore.objects.filter(run_id=b["run_id"])
        .order_by("customer_id")
        .values_list(*fields)
    )
    assert len(first) == len(second) == scoring_data.CUSTOMERS - 1
    for x, y in zip(first, second, strict=True):
        for u, v in zip(x, y, strict=True):
            assert u == (pytest.approx(v, rel=1e-7, abs=1e-9) if isinstance(v, float) else v)
    assert b["model_parameters"]["bgnbd"]["r"] == pytest.approx(a["model_parameters"]["bgnbd"]["r"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"proxy_model": [{"name": "x", "column": "revenue", "weight": 100, "colour": 1}]},
            r"unknown key\(s\) colour",
        ),
        ({"proxy_model": [{"name": "x", "column": "revenue"}]}, "lacks weight"),
        ({"proxy_model": {"name": "x"}}, "must be a list of indicators"),
        ({"proxy_model": ["revenue"]}, "must be an object"),
        ({"churn_window_days": 0}, "churn_window_days must be a whole number of at least 1"),
        ({"activity_window_days": -5}, "activity_window_days must be a whole number"),
        ({"npv_rate": -0.1}, "npv_rate must be a number of 0 or more"),
        ({"activity_by": "mood"}, "activity_by must be 'share' or 'threshold'"),
    ],
)
def test_bad_parameter_values_are_refused_before_any_work(imported, tmp_path, params, message):
    # given a parameters file with a wrong value
    path = tmp_path / "params.json"
    path.write_text(json.dumps(params), encoding="utf-8")
    # then the run refuses it with a clear message and exit status 2, and writes nothing
    with pytest.raises(CommandError, match=message) as refused:
        _score("--as-of", scoring_data.AS_OF.isoformat(), "--params", str(path))
    assert refused.value.returncode == 2
    assert _nothing_written()


# the columns added after the issue's: exported after them, in this order
ADDED_COLUMNS = [
    "proxy_score", "proxy_rank", "proxy_rank_change", "r_rate",
    "pnbd_expected_purchases", "pnbd_p_alive",
]  # fmt: skip


def test_run_stores_pareto_nbd_and_the_purchase_rate_recency(imported, tmp_path):
    # given the imported data set
    # when it is scored
    summary, _ = _score("--as-of", scoring_data.AS_OF.isoformat())
    run = ScoreRun.objects.get()
    # then the fitted Pareto/NBD parameters are in the JSON line and kept with the run
    pnbd = summary["model_parameters"]["pareto_nbd"]
    assert min(pnbd[k] for k in ("r", "alpha", "s", "beta")) > 0
    assert (
        pnbd["time_unit"] == "week"
        and pnbd["customers"] == summary["counts"]["customers_with_purchases"]
    )
    assert pnbd["converged"] is True
    assert pnbd["s"] <= pnbd["s_bound"] and pnbd["s_at_bound"] is (pnbd["s"] == pnbd["s_bound"])
    assert run.model_parameters["pareto_nbd"] == pnbd
    assert run.parameters["pnbd_fit_sample"] == 1000 and run.parameters["pnbd_max_iterations"] > 0
    # and every buyer has its P(alive) and expected purchases; non-buyers have none
    rows = CustomerScore.objects.filter(run=run)
    buyers = rows.filter(frequency__isnull=False)
    assert buyers.filter(pnbd_p_alive__isnull=True).count() == 0
    assert not buyers.filter(pnbd_p_alive__gt=1).exists()
    assert not buyers.filter(pnbd_p_alive__lt=0).exists()
    assert buyers.filter(pnbd_expected_purchases__gt=0).count() == buyers.count()
    assert not rows.filter(frequency__isnull=True, pnbd_p_alive__isnull=False).exists()
    # and the purchase-rate recency is that of rfm_purchase_rate on the same purchases
    from idic.differentiate.rfm import rfm_purchase_rate

    from .engines import transactions_table

    tx = transactions_table([(c, ts, a) for c, ts, a, _k in scoring_data.transactions()])
    rated = rfm_purchase_rate(tx, as_of=scoring_data.AS_OF).execute().set_index("customer_id")
    source_of = {v: int(k[1:]) for k, v in imported.items()}
    stored = {source_of[c]: r for c, r in buyers.values_list("customer_id", "r_rate")}
    assert stored == {c: int(rated.loc[c, "r_rate"]) for c in rated.index}
    # and a single-purchase-day customer keeps the plain recency score
    single = buyers.filter(frequency=1).first()
    assert single is not None and single.r_rate == single.r
    # and the export carries the new columns after the issue's ones
    out = tmp_path / "scores.csv"
    call_command("export_scores", "--out", str(out), stderr=io.StringIO())
    with out.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
        exported = {int(r["customer_id"]): r for r in csv.DictReader(handle, fieldnames=header)}
    assert header == ISSUE_COLUMNS + ADDED_COLUMNS
    one = buyers.first()
    assert exported[one.customer_id]["pnbd_p_alive"] == str(one.pnbd_p_alive)
    assert exported[one.customer_id]["r_rate"] == str(one.r_rate)


def test_a_pareto_nbd_fit_cut_short_is_used_and_said(imported):
    # given a run allowed a single Pareto/NBD step
    params = {"pnbd_max_iterations": 1, "train_churn": False}
    summary = scoring.run_scoring(as_of=scoring_data.AS_OF, params=params)
    # then the warning says so and how to fix it, and the parameters say not converged
    assert any(
        "Pareto/NBD stopped after 1 steps" in w and "pnbd_max_iterations" in w
        for w in summary.warnings
    )
    assert summary.model_parameters["pareto_nbd"]["converged"] is False
    # and the columns hold the predictions of the best parameters found
    assert CustomerScore.objects.filter(pnbd_p_alive__isnull=False).exists()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"pnbd_fit_sample": 50}, "pnbd_fit_sample"),
        ({"pnbd_max_iterations": 0}, "pnbd_max_iterations"),
    ],
)
def test_bad_pareto_nbd_settings_are_refused(imported, params, message):
    with pytest.raises(scoring.ScoringError, match=message):
        scoring.run_scoring(as_of=scoring_data.AS_OF, params=params)
    assert not ScoreRun.objects.exists()
