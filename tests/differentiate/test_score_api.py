"""The score API (/api/scores/…) and the value fields of /api/customers/{id}/360, read
from real scoring runs on the database under test (SQLite or DATABASE_URL's PostgreSQL)."""

from __future__ import annotations

import pytest

from idic.differentiate.models import CustomerScore, StageTransition
from tests.identify.api_support import api_as, new_customer

from . import scoring_data
from .value_support import import_and_score

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return import_and_score(tmp_path)


# ---- before any run -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/scores",
        "/scores/runs/latest",
        "/scores/counts",
        "/scores/reports/deciles",
        "/scores/reports/pareto",
        "/scores/reports/pyramid",
        "/scores/reports/abc",
        "/scores/reports/value-churn",
        "/scores/migration",
        "/scores/transitions",
    ],
)
def test_every_read_says_no_run_yet_before_the_first_run(path):
    # given no scoring run / when an analyst reads
    status, body = api_as("analyst").get(path)
    # then 404 with a code that says what to do
    assert status == 404
    assert body["code"] == "no_score_run"
    assert "idic score" in body["message"]


def test_run_list_is_empty_and_a_customer_is_not_scored_before_the_first_run():
    api = api_as("admin")
    customer = new_customer(api)
    assert api.get("/scores/runs") == (200, [])
    status, body = api.get(f"/scores/customers/{customer['id']}")
    assert status == 200
    assert body == {"customer_id": customer["id"], "latest": None, "history": []}
    status, view = api.get(f"/customers/{customer['id']}/360")
    assert status == 200 and view["value"] is None


# ---- roles --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/scores", "/scores/runs", "/scores/counts", "/scores/reports/pareto"]
)
def test_agent_may_not_read_the_base_wide_scores(path):
    status, body = api_as("agent").get(path)
    assert status == 403
    assert body["code"] == "forbidden"
    assert "analyst" in body["message"]


def test_no_credentials_and_no_role_are_refused():
    from django.test import Client

    response = Client().get("/api/scores/runs")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    status, body = api_as(None).get("/scores/runs")
    assert status == 403 and body["code"] == "forbidden"


# ---- with two runs ------------------------------------------------------------------


def test_runs_list_and_one_run_with_models_and_timings(scored):
    api = api_as("analyst")
    # when the runs are listed / then newest as-of first
    status, runs = api.get("/scores/runs")
    assert status == 200
    assert [r["run_id"] for r in runs] == [scored.latest.pk, scored.earlier.pk]
    assert runs[0]["as_of"] == scoring_data.AS_OF.isoformat()
    assert runs[0]["counts"]["customers"] == scoring_data.CUSTOMERS
    # when one run is read / then header, parameters, fitted models and timings
    status, run = api.get(f"/scores/runs/{scored.latest.pk}")
    assert status == 200
    assert run["previous_run_id"] == scored.earlier.pk
    assert run["model_parameters"] == scored.latest.model_parameters
    assert run["model_parameters"]["bgnbd"]["r"] > 0
    assert run["timings"] and all(v >= 0 for v in run["timings"].values() if isinstance(v, float))
    assert api.get("/scores/runs/latest")[1]["run_id"] == scored.latest.pk
    # and an unknown run is a clear 404
    status, body = api.get("/scores/runs/999999")
    assert status == 404 and body["code"] == "score_run_not_found"
    assert "999999" in body["message"]


def test_scores_filter_and_follow_the_cursor(scored):
    api = api_as("analyst")
    run = scored.latest
    # given the stored scores of the latest run
    stored = CustomerScore.objects.filter(run=run)
    # when all are paged 25 at a time / then every customer once, in id order
    seen, cursor = [], None
    while True:
        params = {"limit": 25} | ({"cursor": cursor} if cursor else {})
        status, page = api.get("/scores", **params)
        assert status == 200 and page["run_id"] == run.pk
        seen += [row["customer_id"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(stored.values_list("customer_id", flat=True))
    # when filtered / then exactly the matching rows
    tier = stored.exclude(pyramid_tier=None).values_list("pyramid_tier", flat=True).first()
    status, page = api.get("/scores", tier=tier, limit=500)
    assert {r["customer_id"] for r in page["items"]} == set(
        stored.filter(pyramid_tier=tier).values_list("customer_id", flat=True)
    )
    status, page = api.get("/scores", churn_risk_min=0.5, decile=1, limit=500)
    expected = stored.filter(churn_risk__gte=0.5, decile=1)
    assert {r["customer_id"] for r in page["items"]} == set(
        expected.values_list("customer_id", flat=True)
    )
    assert all(r["churn_risk"] >= 0.5 and r["decile"] == 1 for r in page["items"])
    stage = stored.exclude(lifecycle_stage=None).values_list("lifecycle_stage", flat=True)[0]
    segment = stored.exclude(rfm_segment=None).values_list("rfm_segment", flat=True)[0]
    status, page = api.get("/scores", stage=stage, segment=segment, limit=500)
    assert {r["customer_id"] for r in page["items"]} == set(
        stored.filter(lifecycle_stage=stage, rfm_segment=segment).values_list(
            "customer_id", flat=True
        )
    )
    # and the earlier run is read with run=
    status, page = api.get("/scores", run=scored.earlier.pk, limit=1)
    assert page["run_id"] == scored.earlier.pk and page["next_cursor"] is not None
    # and bad parameters are 422 naming the parameter
    status, body = api.get("/scores", decile=11)
    assert status == 422 and body["field"] == "decile"
    status, body = api.get("/scores", churn_risk_min=2)
    assert status == 422 and body["field"] == "churn_risk_min"
    status, body = api.get("/scores", run=424242)
    assert status == 404 and body["code"] == "score_run_not_found"


def test_customer_scores_and_history_for_every_role(scored):
    customer = scored.customers["S2"]
    for role in ("agent", "analyst", "admin"):
        status, body = api_as(role).get(f"/scores/customers/{customer}")
        assert status == 200, role
        assert body["latest"]["run_id"] == scored.latest.pk
        assert [h["run_id"] for h in body["history"]] == [scored.latest.pk, scored.earlier.pk]
        row = CustomerScore.objects.get(run=scored.latest, customer_id=customer)
        assert body["latest"]["clv"] == pytest.approx(row.clv)
        assert body["latest"]["pyramid_tier"] == row.pyramid_tier
    # and an unknown customer is 404 customer_not_found
    status, body = api_as("agent").get("/scores/customers/987654")
    assert status == 404 and body["code"] == "customer_not_found"


def test_360_carries_the_latest_scores_and_their_history(scored):
    customer = scored.customers["S2"]
    status, view = api_as("agent").get(f"/customers/{customer}/360")
    assert status == 200
    value = view["value"]
    row = CustomerScore.objects.get(run=scored.latest, customer_id=customer)
    assert value["run_id"] == scored.latest.pk
    assert value["as_of"] == scoring_data.AS_OF.isoformat()
    for name in ("rfm_segment", "decile", "pyramid_tier", "abc_class", "lifecycle_stage"):
        assert value[name] == getattr(row, name), name
    assert value["churn_risk"] == pytest.approx(row.churn_risk)
    assert [h["as_of"] for h in value["history"]] == ["2024-09-30", "2024-06-30"]


def test_counts_per_field_add_up_to_the_run(scored):
    api = api_as("analyst")
    stored = CustomerScore.objects.filter(run=scored.latest)
    for field in (
        "rfm_segment",
        "pyramid_tier",
        "decile",
        "abc_class",
        "value_class",
        "loyalty_class",
        "activity_class",
        "lifecycle_stage",
    ):
        status, body = api.get("/scores/counts", field=field)
        assert status == 200 and body["field"] == field and body["run_id"] == scored.latest.pk
        assert sum(body["counts"].values()) == stored.count(), field
        for value, n in body["counts"].items():
            if value != "none":
                assert n == stored.filter(**{field: value}).count(), (field, value)


def test_counts_of_an_unknown_field_is_422(scored):
    status, body = api_as("analyst").get("/scores/counts", field="email")
    assert status == 422 and body["code"] == "invalid" and body["field"] == "field"


def test_reports_come_from_the_run(scored):
    api = api_as("analyst")
    reports = scored.latest.reports
    status, body = api.get("/scores/reports/deciles")
    assert status == 200 and body["run_id"] == scored.latest.pk
    assert body["rows"] == reports["decile_table"]
    assert [r["decile"] for r in body["rows"]] == list(range(1, 11))
    assert sum(r["spend_share_pct"] for r in body["rows"]) == pytest.approx(100)
    status, body = api.get("/scores/reports/pareto")
    assert status == 200
    assert 0 < body["gini"]["gini"] < 1
    assert [t["top_pct"] for t in body["top_shares"]] == [1, 5, 20]
    assert body["lorenz"][-1]["customer_share"] == pytest.approx(1)
    status, body = api.get("/scores/reports/pyramid")
    assert [r["tier"] for r in body["rows"]] == ["platinum", "gold", "iron", "lead"]
    status, body = api.get("/scores/reports/abc", run=scored.earlier.pk)
    assert body["run_id"] == scored.earlier.pk and body["rows"] == scored.earlier.reports["abc"]
    status, body = api.get("/scores/reports/value-churn")
    assert body["rows"][0]["priority"] == 1
    assert sum(r["customers"] for r in body["rows"]) > 0
    # a report a run did not keep is a clear 404
    scored.earlier.reports.pop("value_churn", None)
    scored.earlier.save(update_fields=["reports"])
    status, body = api.get("/scores/reports/value-churn", run=scored.earlier.pk)
    assert status == 404 and body["code"] == "report_not_available"


def test_migration_matrix_and_transitions_between_the_two_runs(scored):
    api = api_as("admin")
    # when the lifecycle migration of the latest run is asked / then against its previous
    status, body = api.get("/scores/migration")
    assert status == 200
    assert body["from_run"]["run_id"] == scored.earlier.pk
    assert body["to_run"]["run_id"] == scored.latest.pk
    total = sum(n for row in body["matrix"].values() for n in row.values())
    assert total == CustomerScore.objects.filter(run=scored.latest).count()
    moved = sum(
        n
        for source, row in body["matrix"].items()
        for target, n in row.items()
        if source != target and "none" not in (source, target)
    )
    recorded = StageTransition.objects.filter(run=scored.latest, kind="lifecycle")
    assert moved == recorded.exclude(from_stage=None).exclude(to_stage=None).count()
    # and explicit runs and field
    status, body = api.get(
        "/scores/migration",
        from_run=scored.earlier.pk,
        to_run=scored.latest.pk,
        field="pyramid_tier",
    )
    assert status == 200 and body["field"] == "pyramid_tier"
    # and the earlier run has nothing before it
    status, body = api.get("/scores/migration", to_run=scored.earlier.pk)
    assert status == 404 and "from_run" in body["message"]
    status, body = api.get("/scores/migration", field="phone")
    assert status == 422 and body["field"] == "field"
    # when the transitions are read / then the events the run recorded
    status, body = api.get("/scores/transitions", kind="lifecycle")
    assert status == 200 and body["previous_run_id"] == scored.earlier.pk
    assert len(body["items"]) == recorded.count() > 0
    assert {i["kind"] for i in body["items"]} == {"lifecycle"}
    status, body = api.get("/scores/transitions", kind="mood")
    assert status == 422 and body["field"] == "kind"
