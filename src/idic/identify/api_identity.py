"""The identity API: recognition at the point of contact, merges and their undo, the
review queue of pairs a person decides, and the survivorship rules of merged customers.

Roles: agents and admins recognise (the answer's customer fields are masked for the
caller); only admins merge, undo merges, decide review pairs and change survivorship
rules; every role reads the rules.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError
from pydantic import Field

from idic.api_auth import ADMINS, EDITORS, READERS, access, viewer_of
from idic.identify import recognition, schemas
from idic.identify.schemas import StrictIn
from idic.identify.services import merge_survivors, merging, review
from idic.identify.services import recognize as recognize_service
from idic.identify.services.customers import customer_summary, get_customer

router = Router(tags=["identity"])

ERRORS = {s: schemas.ErrorOut for s in (400, 401, 403, 404, 409, 422, 503)}


def _responses(ok: dict[int, Any]) -> dict[int, Any]:
    return {**ok, **ERRORS}


# ---- shapes --------------------------------------------------------------------------


class RecognizeIn(StrictIn):
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=300)
    id_number: str | None = Field(default=None, max_length=20)
    member_card: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=300)
    birth_date: date | None = None


class FieldEvidenceOut(schemas.Schema):
    field: str
    level: str = Field(description="agreement level, e.g. exact, pinyin, former, different")
    weight: float = Field(description="log2(m/u): positive agrees, negative disagrees")


class WhyOut(schemas.Schema):
    agreed: list[str]
    disagreed: list[str]
    fields: list[FieldEvidenceOut]
    match_weight: float | None = None


class CandidateOut(schemas.Schema):
    customer_id: int
    probability: float
    why: WhyOut
    customer: schemas.CustomerOut


class RecognitionOut(schemas.Schema):
    status: Literal["match", "possible", "new"]
    customer_id: int | None = Field(description="the customer when status is match")
    probability: float = Field(description="match probability of the best candidate")
    why: WhyOut
    candidates: list[CandidateOut] = Field(description="the best candidates, most likely first")


class RecognisedOut(schemas.Schema):
    probability: float
    why: WhyOut


class LinkedCustomerOut(schemas.CustomerOut):
    """A customer create that recognised a stored customer: nothing was written."""

    linked: bool = Field(description="true: the data matched this stored customer")
    recognition: RecognisedOut


class MergeIn(StrictIn):
    customer_ids: list[int] = Field(min_length=2, max_length=merging.MAX_CUSTOMERS)
    reason: str = Field(min_length=1, max_length=2000, description="why: shown on the timeline")
    evidence: dict[str, Any] | None = None


class MergeOut(schemas.Schema):
    id: int
    golden_id: int = Field(description="the customer the others were merged into")
    merged_ids: list[int]
    actor: str
    reason: str
    evidence: dict[str, Any]
    created_at: str
    undone_at: str | None
    undone_by: str


class ReviewRecordOut(schemas.Schema):
    id: int
    source: str
    source_id: str
    customer_id: int
    fields: dict[str, Any] = Field(description="the record as imported, masked for the caller")
    last_seen_at: str


class ReviewPairOut(schemas.Schema):
    id: int
    probability: float
    evidence: dict[str, Any]
    status: str
    decided_by: str
    decided_at: str | None
    merge_id: int | None
    created_at: str
    left: ReviewRecordOut
    right: ReviewRecordOut


class ReviewPageOut(schemas.Schema):
    items: list[ReviewPairOut]
    next_cursor: int | None
    pending: int = Field(description="pairs still waiting for a decision")


class ReviewFilters(schemas.Schema):
    status: Literal["pending", "match", "non_match"] = "pending"
    cursor: int | None = Field(default=None, ge=0)
    limit: int = Field(default=20, ge=1, le=200)


class DecisionIn(StrictIn):
    decision: Literal["match", "non_match"]


class SurvivorshipRuleOut(schemas.Schema):
    field: str = Field(description="customer field; address is chosen as one unit")
    rule: Literal["most_trusted_source", "most_recent", "most_complete"]
    source_ranking: list[str] = Field(description="most trusted source first")
    overridden: bool = Field(description="true: set by a person; false: the built-in rule")


class SurvivorshipRuleIn(StrictIn):
    rule: Literal["most_trusted_source", "most_recent", "most_complete"]
    source_ranking: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="source systems, most trusted first (most_trusted_source only; "
        "empty: the built-in ranking)",
    )


# ---- recognition ---------------------------------------------------------------------


@router.post("/recognize", response=_responses({200: RecognitionOut}), **access(*EDITORS))
def recognize(request: HttpRequest, payload: RecognizeIn):
    """Who is this? Any mix of name, phone, email, ID number, member card, address and
    birth date → match / possible / new, the probability, and which fields agreed."""
    try:
        answer = recognize_service.recognize(**payload.model_dump())
    except recognition.BadModel as exc:
        raise HttpError(503, str(exc)) from None
    viewer = viewer_of(request)
    body = answer.as_dict()
    body["candidates"] = [
        {**c, "customer": customer_summary(get_customer(c["customer_id"]), viewer)}
        for c in body["candidates"]
    ]
    return body


# ---- merges --------------------------------------------------------------------------


@router.post("/merges", response=_responses({201: MergeOut}), **access(*ADMINS))
def create_merge(request: HttpRequest, payload: MergeIn):
    """Merge customers into the one with the lowest id; nothing is lost, survivorship
    chooses the displayed values, and the merge can be undone. 409 when the customers
    already are one customer."""
    result = merging.merge_customers(
        customer_ids=payload.customer_ids,
        actor=viewer_of(request).username,
        reason=payload.reason,
        evidence=payload.evidence,
    )
    if result.merge_id is None:
        raise HttpError(409, f"these customers are already one customer, #{result.golden_id}")
    return Status(201, merging.get_merge(result.merge_id))


@router.post("/merges/{merge_id}/undo", response=_responses({200: MergeOut}), **access(*ADMINS))
def undo_merge(request: HttpRequest, merge_id: int):
    """Undo a merge: every row goes back to the customer it belonged to before."""
    try:
        merging.unmerge(merge_id=merge_id, actor=viewer_of(request).username)
        return merging.get_merge(merge_id)
    except merging.MergeNotFound as exc:
        raise HttpError(404, str(exc)) from None


# ---- the review queue ----------------------------------------------------------------


@router.get("/review", response=_responses({200: ReviewPageOut}), **access(*ADMINS))
def review_queue(request: HttpRequest, filters: Query[ReviewFilters]):
    """Pairs of source records waiting for a person's decision, most probable first."""
    page = review.review_queue(
        viewer=viewer_of(request),
        status=filters.status,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor, "pending": page.pending}


@router.post("/review/{pair_id}", response=_responses({200: ReviewPairOut}), **access(*ADMINS))
def decide_pair(request: HttpRequest, pair_id: int, payload: DecisionIn):
    """Decide a pair: "match" merges the two records' customers; "non_match" keeps them
    apart. A decision is final and no automatic run overrides it."""
    try:
        review.decide(pair_id=pair_id, decision=payload.decision, actor=viewer_of(request).username)
        return review.pair_by_id(pair_id=pair_id, viewer=viewer_of(request))
    except review.ReviewPairNotFound as exc:
        raise HttpError(404, str(exc)) from None


# ---- survivorship rules --------------------------------------------------------------


@router.get(
    "/survivorship", response=_responses({200: list[SurvivorshipRuleOut]}), **access(*READERS)
)
def survivorship_rules(request: HttpRequest):
    """Which value a merged customer displays for each field: the most trusted source,
    the most recent or the most complete value. Every value stays stored either way."""
    return merge_survivors.rule_table()


@router.put(
    "/survivorship/{field}", response=_responses({200: SurvivorshipRuleOut}), **access(*ADMINS)
)
def set_survivorship_rule(request: HttpRequest, field: str, payload: SurvivorshipRuleIn):
    """Set the rule of one field for every later merge (earlier merges keep their
    choice). 422 names a field or a source that does not exist."""
    return merge_survivors.set_rule(
        field=field, rule=payload.rule, source_ranking=payload.source_ranking
    )


@router.delete(
    "/survivorship/{field}", response=_responses({200: SurvivorshipRuleOut}), **access(*ADMINS)
)
def reset_survivorship_rule(request: HttpRequest, field: str):
    """Go back to the built-in rule of one field."""
    return merge_survivors.reset_rule(field=field)
