"""Undoing a merge is a person's decision: a later automatic run must not merge again."""

from __future__ import annotations

import pytest

from idic.identify.models import Customer, MergeRecord, ReviewPair, ReviewStatus, SourceRecord
from idic.identify.services import demo, imports, merging, resolution, review


@pytest.fixture
def resolved(settings, tmp_path):
    """The demo's customer records imported and resolved once."""
    settings.DATA_DIR = tmp_path / "var"
    written = demo.write_demo(customers=300, seed=5, folder=tmp_path / "demo")
    report = imports.import_file(kind="customers", path=written.path("customers"), actor="t")
    assert report.status == "succeeded", report.errors[:3]
    first = resolution.resolve()
    assert first.merges > 0
    return first


@pytest.mark.django_db
def test_an_undone_merge_is_not_redone_by_the_next_run(resolved):
    # given a merge made by the automatic run
    record = MergeRecord.objects.filter(undone_at__isnull=True).order_by("pk").first()
    golden, merged = record.golden_id, [int(i) for i in record.merged_ids]
    # when a person undoes it
    merging.unmerge(merge_id=record.pk, actor="ann")
    # then the records the merged customers brought are "not a match" with the golden's
    theirs = set(SourceRecord.objects.filter(customer_id__in=merged).values_list("pk", flat=True))
    own = set(SourceRecord.objects.filter(customer_id=golden).values_list("pk", flat=True))
    decided = review.decisions()
    for a in theirs:
        for b in own:
            assert decided[(min(a, b), max(a, b))] == ReviewStatus.NON_MATCH
    assert ReviewPair.objects.filter(decided_by="ann").exists()
    # and the next automatic run leaves them apart
    again = resolution.resolve()
    assert Customer.objects.get(pk=golden).merged_into_id is None
    for cid in merged:
        assert Customer.objects.get(pk=cid).merged_into_id is None
    assert again.links_refused >= 1


@pytest.mark.django_db
def test_a_reviewer_match_undone_later_becomes_not_a_match(resolved):
    # given a queued pair of records of two separate customers, accepted as a match
    a, b = SourceRecord.objects.filter(customer__merged_into__isnull=True).order_by("pk")[:2]
    assert a.customer_id != b.customer_id
    review.enqueue_pair(left_record_id=a.pk, right_record_id=b.pk, probability=0.7, evidence={})
    pair = ReviewPair.objects.get(left_id=a.pk, right_id=b.pk)
    assert pair.status == ReviewStatus.PENDING
    merge_id = review.decide(pair_id=pair.pk, decision="match", actor="bob")
    assert merge_id is not None
    # when the merge is undone by someone else
    merging.unmerge(merge_id=merge_id, actor="cat")
    # then the pair's decision is now "not a match", by the one who undid it
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == (ReviewStatus.NON_MATCH, "cat")
