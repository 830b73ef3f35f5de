"""The review queue keeps a person's decisions; later runs never override them."""

from __future__ import annotations

import pytest

from idic.identify.field_rules import FieldError
from idic.identify.models import Customer, MergeRecord, ReviewPair, SourceRecord
from idic.identify.services import review
from tests.identify.merge_support import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    a, b, c = make_customer(1), make_customer(2), make_customer(3)
    return [SourceRecord.objects.get(customer=x).pk for x in (a, b, c)]


def _queue(left, right, p=0.6):
    review.enqueue_pair(left_record_id=left, right_record_id=right, probability=p, evidence={})


def test_a_pair_is_queued_once_in_either_order(records):
    # when the same pair is queued twice, the second time reversed
    _queue(records[0], records[1], 0.6)
    _queue(records[1], records[0], 0.9)
    # then one pending pair, as first queued
    pair = ReviewPair.objects.get()
    assert (pair.left_id, pair.right_id, pair.probability) == (records[0], records[1], 0.6)
    assert review.decisions() == {}


def test_decisions_are_kept_and_never_reopened(records):
    # given two pairs decided, one each way
    _queue(records[0], records[1])
    _queue(records[1], records[2])
    first, second = ReviewPair.objects.order_by("pk")
    review.decide(pair_id=first.pk, decision="match", actor="alice")
    review.decide(pair_id=second.pk, decision="non_match", actor="bob")
    # when a later automatic run queues both again
    _queue(records[0], records[1], 0.99)
    _queue(records[2], records[1], 0.3)
    # then the decisions stand and are reported with ordered keys
    assert ReviewPair.objects.count() == 2
    assert review.decisions() == {
        (records[0], records[1]): "match",
        (records[1], records[2]): "non_match",
    }
    second.refresh_from_db()
    assert (second.status, second.decided_by, second.merge_id) == ("non_match", "bob", None)


def test_match_merges_the_records_customers_and_non_match_does_not(records):
    _queue(records[0], records[1])
    _queue(records[0], records[2])
    match, other = ReviewPair.objects.order_by("pk")
    merge_id = review.decide(pair_id=match.pk, decision="match", actor="alice")
    review.decide(pair_id=other.pk, decision="non_match", actor="alice")
    owners = dict(SourceRecord.objects.values_list("pk", "customer_id"))
    assert owners[records[0]] == owners[records[1]] != owners[records[2]]
    assert MergeRecord.objects.get().pk == merge_id
    assert MergeRecord.objects.get().evidence["review_pair"] == match.pk


def test_match_of_records_already_of_one_customer_merges_nothing(records):
    # given the second record already belongs to the first customer
    SourceRecord.objects.filter(pk=records[1]).update(
        customer_id=SourceRecord.objects.get(pk=records[0]).customer_id
    )
    _queue(records[0], records[1])
    # when decided a match / then no merge, the decision recorded
    assert review.decide(pair_id=ReviewPair.objects.get().pk, decision="match", actor="a") is None
    assert ReviewPair.objects.get().status == "match"
    assert not MergeRecord.objects.exists()


def test_a_second_decision_is_refused(records):
    _queue(records[0], records[1])
    pair = ReviewPair.objects.get()
    review.decide(pair_id=pair.pk, decision="non_match", actor="a")
    with pytest.raises(review.AlreadyDecided, match="already decided non_match by a"):
        review.decide(pair_id=pair.pk, decision="match", actor="b")
    assert not Customer.objects.filter(merged_into__isnull=False).exists()


@pytest.mark.parametrize(
    ("left", "right", "p", "field", "message"),
    [
        (0, 0, 0.5, "right_record_id", "itself"),
        (0, 1, 1.5, "probability", "between 0 and 1"),
        (0, 1, float("nan"), "probability", "between 0 and 1"),
        (0, None, 0.5, "left_record_id", "does not exist"),
    ],
)
def test_bad_pairs_are_refused_and_nothing_queued(records, left, right, p, field, message):
    right_id = 999_999 if right is None else records[right]
    with pytest.raises(FieldError, match=message) as caught:
        _queue(records[left], right_id, p)
    assert caught.value.field == field
    assert not ReviewPair.objects.exists()


def test_bad_decision_and_unknown_pair(records):
    with pytest.raises(FieldError, match="not one of"):
        review.decide(pair_id=1, decision="maybe", actor="a")
    with pytest.raises(review.ReviewPairNotFound):
        review.decide(pair_id=12345, decision="match", actor="a")
