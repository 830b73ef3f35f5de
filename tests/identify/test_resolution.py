"""Batch identity resolution on the demo data, whose truth.csv says who is who."""

from __future__ import annotations

import csv
import json
from io import StringIO
from itertools import combinations
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from idic.identify.management.commands.resolve import _step_label
from idic.identify.models import ContactPoint, Customer, MergeRecord, ReviewPair, SourceRecord
from idic.identify.services import demo, imports, recognize, resolution, review
from idic.identify.services.resolution_records import load_records

CUSTOMERS = 400
SEED = 11


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "var"
    return settings.DATA_DIR


@pytest.fixture
def demo_truth(tmp_path) -> dict[tuple[str, str], str]:
    """The demo customers imported; returns (source, source_id) → real person."""
    written = demo.write_demo(customers=CUSTOMERS, seed=SEED, folder=tmp_path / "demo")
    report = imports.import_file(kind="customers", path=written.path("customers"), actor="test")
    assert report.status == "succeeded", report.errors[:3]
    with written.path("truth").open(encoding="utf-8", newline="") as handle:
        return {(r["source"], r["source_id"]): r["person"] for r in csv.DictReader(handle)}


def _record_pairs(key_of: dict[int, str]) -> set[tuple[int, int]]:
    by_key: dict[str, list[int]] = {}
    for record, key in key_of.items():
        by_key.setdefault(key, []).append(record)
    return {pair for ids in by_key.values() for pair in combinations(sorted(ids), 2)}


def _owners() -> dict[int, int]:
    return dict(SourceRecord.objects.values_list("id", "customer_id"))


def _people(truth) -> dict[int, str]:
    rows = SourceRecord.objects.values_list("id", "source", "source_id")
    return {pk: truth[(source, sid)] for pk, source, sid in rows}


def _state() -> tuple:
    return (
        sorted(_owners().items()),
        Customer.objects.filter(merged_into__isnull=False).count(),
        MergeRecord.objects.count(),
        ReviewPair.objects.count(),
    )


@pytest.mark.django_db
def test_resolve_finds_the_duplicates_and_keeps_families_apart(demo_truth, data_dir):
    # given the demo's customer records, each its own customer, and who they really are
    people = _people(demo_truth)
    true_pairs = _record_pairs({r: p for r, p in people.items()})
    # when resolved with the default thresholds
    report = resolution.resolve()
    # then the records merged are those of one person, nearly all of them
    found = _record_pairs({r: str(c) for r, c in _owners().items()})
    hits = len(found & true_pairs)
    precision, recall = hits / len(found), hits / len(true_pairs)
    assert precision >= 0.99, (precision, recall)
    assert recall >= 0.9, (precision, recall)
    assert report.merges > 0
    remaining = Customer.objects.filter(merged_into__isnull=True).count()
    assert remaining == report.customers - report.customers_merged
    # and family members sharing a phone and an address are not merged
    phone_of = dict(
        ContactPoint.objects.filter(kind="phone").values_list("source_record_id", "value")
    )
    home_of = dict(
        ContactPoint.objects.filter(kind="address").values_list("source_record_id", "value")
    )
    families = [
        (a, b)
        for a, b in combinations(sorted(home_of), 2)
        if home_of[a] == home_of[b]
        and phone_of.get(a)
        and phone_of.get(a) == phone_of.get(b)
        and people[a] != people[b]
    ]
    assert len(families) >= 20  # the demo has households sharing a landline and a home
    owners = _owners()
    assert [(a, b) for a, b in families if owners[a] == owners[b]] == []
    # and each merge keeps its evidence: which fields agreed, with what probability
    merge = MergeRecord.objects.order_by("pk").first()
    assert merge is not None and merge.actor == resolution.ACTOR
    link = merge.evidence["links"][0]
    assert link["probability"] >= 0.95 and link["agreed"]
    assert set(link["fields"]) == {
        "name",
        "birth_date",
        "gender",
        "id_key",
        "email",
        "member_card",
        "company",
        "contact",
    }
    # and possible matches wait for a person, with their evidence
    pending = ReviewPair.objects.filter(status="pending")
    assert pending.count() == report.review_queued > 0
    # (below the match threshold, or above it but joining only a household)
    assert all(p.probability >= 0.5 for p in pending)
    for pair in pending.filter(probability__gte=0.95):
        assert home_of.get(pair.left_id) == home_of.get(pair.right_id) or (
            phone_of.get(pair.left_id) == phone_of.get(pair.right_id)
        )
    # and the trained model is saved for recognition
    saved = json.loads((Path(data_dir) / "identity-model.json").read_text(encoding="utf-8"))
    assert saved["splink"]["comparisons"] and saved["comparisons"]["name"]["exact"]
    # and recognition reads it: the trained prior and thresholds replace its defaults
    scorer = recognize.current_model()
    assert scorer.match_at == 0.95 and scorer.possible_at == 0.2
    assert scorer.prior == saved["probability_two_random_records_match"]


@pytest.mark.django_db
def test_after_resolve_a_caller_giving_only_a_phone_is_shown_the_customer(demo_truth, data_dir):
    # given a resolved base, and a phone that only one customer has
    resolution.resolve()
    owners = {}
    for customer_id, value in ContactPoint.objects.filter(
        kind="phone", is_current=True
    ).values_list("customer_id", "value"):
        owners.setdefault(value, set()).add(customer_id)
    phone, (customer_id,) = next((p, c) for p, c in sorted(owners.items()) if len(c) == 1)
    # when a caller gives only that phone
    answer = recognize.recognize(phone=phone)
    # then the agent is shown that customer, not told the caller is new
    assert answer.status in ("possible", "match"), answer.as_dict()
    assert answer.candidates[0]["customer_id"] == customer_id


@pytest.mark.django_db
def test_a_not_a_match_decision_survives_later_runs(demo_truth, data_dir):
    # given two records of one person that share their email, and a person who decided
    # (wrongly, but it is theirs to decide) that they are not the same customer
    people = _people(demo_truth)
    email_of = dict(
        ContactPoint.objects.filter(kind="email").values_list("source_record_id", "value")
    )
    left, right = next(
        (a, b)
        for a, b in combinations(sorted(email_of), 2)
        if email_of[a] == email_of[b] and people[a] == people[b]
    )
    review.enqueue_pair(left_record_id=left, right_record_id=right, probability=0.9, evidence={})
    pair = ReviewPair.objects.get(left_id=left, right_id=right)
    review.decide(pair_id=pair.pk, decision="non_match", actor="reviewer")
    # when resolved twice
    first = resolution.resolve()
    second = resolution.resolve()
    # then the two records stay with different customers, and the decision stands
    owners = _owners()
    assert owners[left] != owners[right]
    assert ReviewPair.objects.get(pk=pair.pk).status == "non_match"
    assert first.merges > 0 and second.merges == 0
    assert review.decisions()[(left, right)] == "non_match"


@pytest.mark.django_db
def test_a_decision_taken_while_the_model_runs_is_honoured(demo_truth, data_dir, monkeypatch):
    # given two records of one person sharing an email, kept apart by a person's decision
    # that the run only sees when it starts to write (taken while the model was training)
    people = _people(demo_truth)
    email_of = dict(
        ContactPoint.objects.filter(kind="email").values_list("source_record_id", "value")
    )
    left, right = next(
        (a, b)
        for a, b in combinations(sorted(email_of), 2)
        if email_of[a] == email_of[b] and people[a] == people[b]
    )
    review.enqueue_pair(left_record_id=left, right_record_id=right, probability=0.9, evidence={})
    pair = ReviewPair.objects.get(left_id=left, right_id=right)
    review.decide(pair_id=pair.pk, decision="non_match", actor="reviewer")
    real = review.decisions
    calls = []

    def later(*args, **kwargs):
        calls.append(1)
        return {} if len(calls) == 1 else real()

    monkeypatch.setattr(review, "decisions", later)
    # when resolved
    resolution.resolve()
    # then the decision read at write time keeps the two apart
    assert len(calls) == 2
    owners = _owners()
    assert owners[left] != owners[right]


@pytest.mark.django_db
def test_dry_run_changes_nothing(demo_truth, data_dir):
    # given imported records / when resolved as a dry run
    before = _state()
    report = resolution.resolve(dry_run=True)
    # then it says what it would do, and nothing changed, no model file written
    assert report.dry_run and report.clusters > 0 and report.customers_merged > 0
    assert _state() == before
    assert not (Path(data_dir) / "identity-model.json").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"threshold_match": 1.5}, "threshold_match must be a probability between 0 and 1"),
        ({"threshold_review": -0.1}, "threshold_review must be a probability"),
        ({"threshold_match": 0.6, "threshold_review": 0.7}, "is above threshold_match"),
        ({"threshold_match": 0.0, "threshold_review": 0.0}, "would merge every pair"),
        ({"engine": "oracle"}, "unknown engine 'oracle'"),
    ],
)
def test_bad_arguments_are_refused_and_change_nothing(demo_truth, data_dir, arguments, message):
    # given imported records
    before = _state()
    # when resolution is asked with a bad argument / then a clear error and no change
    with pytest.raises(resolution.ResolveError, match=message):
        resolution.resolve(**arguments)
    assert _state() == before
    assert not Path(data_dir).exists() or not any(Path(data_dir).iterdir())


@pytest.mark.django_db
def test_no_records_is_a_clear_error(data_dir):
    # given an empty base / then resolution says to import customers first
    with pytest.raises(resolution.ResolveError, match="import customers first"):
        resolution.resolve()
    assert MergeRecord.objects.count() == 0


@pytest.mark.django_db
def test_command_prints_a_summary_and_one_json_line(demo_truth, data_dir):
    # given imported records / when `idic resolve --dry-run` runs
    out, err = StringIO(), StringIO()
    call_command("resolve", "--dry-run", stdout=out, stderr=err)
    lines = out.getvalue().strip().splitlines()
    # then the last line is the report as JSON, after a readable summary
    report = json.loads(lines[-1])
    assert report["dry_run"] is True and report["records"] == SourceRecord.objects.count()
    assert len(lines) >= 3
    assert MergeRecord.objects.count() == 0
    # and a bad threshold is refused with the reason
    with pytest.raises(CommandError, match="above threshold_match"):
        call_command("resolve", "--match-threshold", "0.4", stdout=out, stderr=err)


@pytest.mark.django_db
def test_each_step_is_named_before_its_work_runs(demo_truth, data_dir, monkeypatch):
    # given a progress callback, and each step's work noting when it runs
    events: list[tuple[str, ...]] = []
    work = {
        "features": (resolution.features, "feature_frame"),
        "train": (resolution.model, "train"),
        "predict": (resolution.model, "predict_links"),
        "cluster": (resolution, "_plan"),
        "merge": (resolution.merging, "merge_groups"),
        "review": (resolution.review, "enqueue_pair"),
        "save": (resolution, "_save_model"),
    }
    for step, (owner, name) in work.items():
        real = getattr(owner, name)

        def noted(*args, _step=step, _real=real, **kwargs):
            events.append(("work", _step))
            return _real(*args, **kwargs)

        monkeypatch.setattr(owner, name, noted)
    # when resolved
    resolution.resolve(progress=lambda step, done, total: events.append((step, str(done))))
    # then every step was reported as begun (nothing done yet) before its work ran
    for step in work:
        ran = events.index(("work", step))
        named = events.index((step, "0"))
        assert named < ran, (step, events[: ran + 1])
        # and ended with its count after the work
        assert any(e[0] == step and e[1] != "0" for e in events[ran:]) or step == "review"
    # and reading the records is named before the first record is counted
    assert events[0] == ("load", "0")


@pytest.mark.django_db
def test_command_shows_the_step_under_way(demo_truth, data_dir, monkeypatch):
    # given `idic resolve` whose training looks at what the terminal shows meanwhile
    out, err = StringIO(), StringIO()
    shown: list[str] = []
    real = resolution.model.train

    def train(*args, **kwargs):
        shown.append(err.getvalue())
        return real(*args, **kwargs)

    monkeypatch.setattr(resolution.model, "train", train)
    # when it runs
    call_command("resolve", "--dry-run", stdout=out, stderr=err)
    # then while the model trains, the last bar drawn is training's, nothing of it done
    last_bar = shown[0].rsplit("\n", 1)[-1]
    assert _step_label("train") in last_bar and "0/1" in last_bar
    assert _step_label("predict") not in shown[0]


@pytest.mark.django_db
def test_records_are_read_with_their_employer(demo_truth):
    # given demo records, some of them keeping the customer's employer
    employed = {
        pk: payload["company"]
        for pk, payload in SourceRecord.objects.values_list("id", "payload")
        if payload.get("company")
    }
    assert employed
    # when read for resolution
    loaded = load_records()
    # then each record's facts carry its employer, and the others none
    company = {facts.record_id: facts.company for facts in loaded.facts}
    assert {pk: c for pk, c in company.items() if c} == employed
