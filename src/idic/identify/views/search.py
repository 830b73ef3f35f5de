"""The customer search page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from idic.identify.forms import CustomerSearchForm
from idic.identify.services.customers import search_customers
from idic.identify.views.access import viewer_required

PAGE_SIZE = 25


@require_GET
@viewer_required
def search(request: HttpRequest) -> HttpResponse:
    """Find customers by name, phone, email, ID number or member card, with filters;
    fields are masked for the viewer's role, pages follow a cursor."""
    form = CustomerSearchForm(request.GET or None)
    page = None
    next_query = ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
    elif form.is_bound:
        data = None
    else:
        data = {"q": "", "kind": "", "status": "", "province": "", "cursor": None}
    if data is not None:
        page = search_customers(
            viewer=request.viewer,  # type: ignore[attr-defined]
            query=data["q"],
            kind=data["kind"],
            status=data["status"],
            province=data["province"].strip(),
            cursor=data["cursor"],
            limit=PAGE_SIZE,
        )
        if page.next_cursor is not None:
            params = request.GET.copy()
            params["cursor"] = str(page.next_cursor)
            next_query = params.urlencode()
    first_query = ""
    if request.GET.get("cursor"):
        params = request.GET.copy()
        params.pop("cursor")
        first_query = params.urlencode()
    filtered = bool(data and any(data[k] for k in ("q", "kind", "status", "province")))
    return render(
        request,
        "identify/search.html",
        {
            "form": form,
            "page": page,
            "next_query": next_query,
            "first_query": first_query,
            "paged": bool(request.GET.get("cursor")),
            "filtered": filtered,
        },
    )
