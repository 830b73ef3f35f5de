"""The review queue page (pairs of records side by side, decided match / not a match) and
the undo of a merge from the customer page. Admins only."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from idic.identify.field_rules import FieldError
from idic.identify.services import merging, review
from idic.identify.services.reasons import localise
from idic.identify.views.access import viewer_required

PAGE_SIZE = 10


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A signed-in admin; anyone else gets 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.viewer.role != "admin":  # type: ignore[attr-defined]
            raise PermissionDenied(_("Only an administrator may merge customers or decide pairs."))
        return view(request, *args, **kwargs)

    return viewer_required(wrapped)


def _side_by_side(pair: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per field either record gives: both values and whether they agree."""
    left, right = pair["left"]["fields"], pair["right"]["fields"]
    names = [*left, *(n for n in right if n not in left)]
    skip = {"source", "source_id"}
    return [
        {
            "name": n,
            "left": left.get(n, ""),
            "right": right.get(n, ""),
            "same": left.get(n) == right.get(n),
        }
        for n in names
        if n not in skip
    ]


def _evidence(evidence: Any) -> list[tuple[str, Any]]:
    if not isinstance(evidence, dict):
        return []
    return [(str(k), v) for k, v in evidence.items() if not isinstance(v, dict | list)]


@require_GET
@admin_required
def review_page(request: HttpRequest) -> HttpResponse:
    """Pending pairs, the most probable first, each with both records and the evidence."""
    try:
        cursor = max(0, int(request.GET.get("cursor") or 0))
    except ValueError:
        cursor = 0
    page = review.review_queue(viewer=request.viewer, cursor=cursor, limit=PAGE_SIZE)  # type: ignore[attr-defined]
    pairs = [
        {**p, "rows": _side_by_side(p), "evidence_items": _evidence(p["evidence"])}
        for p in page.items
    ]
    return render(
        request,
        "identify/review.html",
        {
            "pairs": pairs,
            "pending": page.pending,
            "next_cursor": page.next_cursor,
            "cursor": cursor,
        },
    )


@require_POST
@admin_required
def decide_pair(request: HttpRequest, pair_id: int) -> HttpResponse:
    decision = request.POST.get("decision", "")
    try:
        merge_id = review.decide(
            pair_id=pair_id,
            decision=decision,
            actor=request.viewer.username,  # type: ignore[attr-defined]
        )
    except FieldError as exc:
        messages.error(request, localise(exc.message))
        return redirect("identify:review")
    except (review.AlreadyDecided, review.ReviewPairNotFound) as exc:
        messages.error(request, localise(exc.args[0]))
        return redirect("identify:review")
    if merge_id is not None:
        messages.success(
            request,
            _("Merged: the two records are one customer now (merge %(id)s).") % {"id": merge_id},
        )
    elif decision == "match":
        messages.success(request, _("Marked as the same customer."))
    else:
        messages.success(request, _("Marked as different customers; they stay apart."))
    return redirect("identify:review")


@require_POST
@admin_required
def undo_merge(request: HttpRequest, customer_id: int, merge_id: int) -> HttpResponse:
    try:
        merging.unmerge(merge_id=merge_id, actor=request.viewer.username)  # type: ignore[attr-defined]
    except (merging.MergeNotFound, merging.MergeRefused) as exc:
        messages.error(request, localise(exc.args[0]))
    else:
        messages.success(
            request, _("Merge %(id)s undone: the customers are separate again.") % {"id": merge_id}
        )
    return redirect("identify:customer", customer_id=customer_id)
