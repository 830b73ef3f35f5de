"""The identify API: customers, their contact points, identifiers, attribute history,
transactions, interactions and the 360 view.

Roles: analysts read (fields beyond their clearance come back masked), agents also
write customers, contact points, attributes and interactions, admins write everything.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import AuthorizationError
from pydantic import Field

from idic.api_auth import ADMINS, EDITORS, READERS, access, viewer_of
from idic.identify import api_identity, schemas
from idic.identify.services import customers, editing, records
from idic.identify.services.customers import customer_summary

router = Router(tags=["customers"])

ERRORS = {
    400: schemas.ErrorOut,
    401: schemas.ErrorOut,
    403: schemas.ErrorOut,
    404: schemas.ErrorOut,
    409: schemas.ErrorOut,
    422: schemas.ErrorOut,
}


def _responses(ok: int, schema) -> dict:
    return {ok: schema, **ERRORS}


class CustomerFilters(schemas.Schema):
    q: str = Field(default="", max_length=200, description="name prefix, phone, email or ID")
    kind: schemas.Kind | None = None
    status: schemas.Status | None = None
    province: str = Field(default="", max_length=50)
    city: str = Field(default="", max_length=50)
    cursor: int | None = Field(default=None, ge=1, description="next_cursor of the last page")
    limit: int = Field(default=20, ge=1, le=200)


class PageParams(schemas.Schema):
    cursor: str | None = Field(default=None, max_length=60)
    limit: int = Field(default=50, ge=1, le=records.MAX_LIMIT)


class AttributeFilters(schemas.Schema):
    since: datetime | None = Field(
        default=None, description="only values recorded or superseded since (date or time)"
    )
    name: str = Field(default="", max_length=60)
    current: bool = Field(default=False, description="only the current values")


# ---- customers ---------------------------------------------------------------------


@router.get("", response=_responses(200, schemas.CustomerPage), **access(*READERS))
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]):
    """Search and list customers, newest first, a page at a time.

    ``q`` is read as an email (has @), an ID number (15/18 digits), a phone or member card
    (mostly digits), or else a name prefix; filters narrow the result.
    """
    page = customers.search_customers(
        viewer=viewer_of(request),
        query=filters.q,
        kind=filters.kind or "",
        status=filters.status or "",
        province=filters.province,
        city=filters.city,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor, "matched_on": page.matched_on}


@router.post(
    "",
    response={**_responses(201, schemas.CustomerOut), 200: api_identity.LinkedCustomerOut},
    **access(*EDITORS),
)
def create_customer(request: HttpRequest, payload: schemas.CustomerIn):
    """Create a customer; phone, email, ID number and member card are checked and normalised.

    A returning customer is linked, not duplicated: when the data is recognised as a stored
    customer, nothing is written and the answer is 200 with that customer, ``linked`` true
    and the recognition (probability and why).
    """
    customer = editing.create_customer(actor=viewer_of(request).username, **payload.model_dump())
    summary = customer_summary(customer, viewer_of(request))
    answer = getattr(customer, "recognition", None)
    if answer is not None:
        recognised = {"probability": answer.probability, "why": answer.why}
        return Status(200, {**summary, "linked": True, "recognition": recognised})
    return Status(201, summary)


@router.get("/{customer_id}", response=_responses(200, schemas.CustomerOut), **access(*READERS))
def read_customer(request: HttpRequest, customer_id: int):
    """One customer's own fields, masked for the caller's role."""
    return customer_summary(customers.get_customer(customer_id), viewer_of(request))


@router.patch("/{customer_id}", response=_responses(200, schemas.CustomerOut), **access(*EDITORS))
def update_customer(request: HttpRequest, customer_id: int, payload: schemas.CustomerPatch):
    """Change the fields given; every changed value keeps its predecessor in the history."""
    changes = payload.model_dump(exclude_unset=True)
    source = changes.pop("source", "api")
    customer = editing.update_customer(
        customer_id=customer_id, actor=viewer_of(request).username, changes=changes, source=source
    )
    return customer_summary(customer, viewer_of(request))


@router.get(
    "/{customer_id}/360", response=_responses(200, schemas.Customer360Out), **access(*READERS)
)
def customer_360(request: HttpRequest, customer_id: int):
    """Everything about one customer on one page; each read is written to the audit log."""
    return records.audited_customer_360(customer_id=customer_id, viewer=viewer_of(request))


# ---- contact points ----------------------------------------------------------------


@router.get(
    "/{customer_id}/contact-points",
    response=_responses(200, list[schemas.ContactPointOut]),
    **access(*READERS),
)
def list_contact_points(request: HttpRequest, customer_id: int):
    """Every contact point, old ones too (``is_current`` false)."""
    return records.contact_points(customer_id=customer_id, viewer=viewer_of(request))


@router.post(
    "/{customer_id}/contact-points",
    response=_responses(201, schemas.ContactPointOut),
    **access(*EDITORS),
)
def add_contact_point(request: HttpRequest, customer_id: int, payload: schemas.ContactPointIn):
    """Add a phone, email, address, social handle or fax."""
    contact = editing.add_contact_point(
        customer_id=customer_id, actor=viewer_of(request).username, **payload.model_dump()
    )
    return Status(201, records.contact_point(contact, viewer_of(request)))


@router.patch(
    "/{customer_id}/contact-points/{contact_point_id}",
    response=_responses(200, schemas.ContactPointOut),
    **access(*EDITORS),
)
def set_contact_flags(
    request: HttpRequest, customer_id: int, contact_point_id: int, payload: schemas.ContactFlagsIn
):
    """Set ``verified`` and/or ``opt_out`` of a contact point."""
    contact = editing.set_contact_flags(
        customer_id=customer_id,
        contact_point_id=contact_point_id,
        actor=viewer_of(request).username,
        **payload.model_dump(),
    )
    return records.contact_point(contact, viewer_of(request))


# ---- identifiers -------------------------------------------------------------------


@router.get(
    "/{customer_id}/identifiers",
    response=_responses(200, list[schemas.IdentifierOut]),
    **access(*READERS),
)
def list_identifiers(request: HttpRequest, customer_id: int):
    """Identifiers; ID and account numbers are shown in clear to admins only."""
    return records.identifiers(customer_id=customer_id, viewer=viewer_of(request))


@router.post(
    "/{customer_id}/identifiers",
    response=_responses(201, schemas.IdentifierOut),
    **access(*ADMINS),
)
def add_identifier(request: HttpRequest, customer_id: int, payload: schemas.IdentifierIn):
    """Add an identifier; a national ID is checked by its check digit and stored sealed."""
    ident = editing.add_identifier(
        customer_id=customer_id, actor=viewer_of(request).username, **payload.model_dump()
    )
    return Status(201, records.identifier(ident, viewer_of(request)))


# ---- attributes --------------------------------------------------------------------


@router.get(
    "/{customer_id}/attributes",
    response=_responses(200, list[schemas.AttributeOut]),
    **access(*READERS),
)
def list_attributes(request: HttpRequest, customer_id: int, filters: Query[AttributeFilters]):
    """The attribute history: every value with its source, collection time, confidence and
    ``superseded_at``. ``since`` answers "what changed since …" in one call."""
    return records.attribute_values(
        customer_id=customer_id,
        viewer=viewer_of(request),
        since=filters.since,
        name=filters.name,
        current_only=filters.current,
    )


@router.post(
    "/{customer_id}/attributes",
    response={**_responses(201, schemas.AttributeOut), 200: schemas.AttributeOut},
    **access(*EDITORS),
)
def set_attribute(request: HttpRequest, customer_id: int, payload: schemas.AttributeIn):
    """Set an attribute's value: 201 with the new row (the old one is kept, superseded),
    or 200 with the current row when the value is unchanged."""
    viewer = viewer_of(request)
    if not viewer.can_see(payload.name):
        raise AuthorizationError(
            message=f"role {viewer.role!r} may not set {payload.name}: "
            "it is classified above the role's clearance"
        )
    row, added = editing.set_attribute(
        customer_id=customer_id, actor=viewer.username, **payload.model_dump()
    )
    return Status(201 if added else 200, records.attribute(row, viewer))


# ---- transactions and interactions ---------------------------------------------------


@router.get(
    "/{customer_id}/transactions",
    response=_responses(200, schemas.TransactionPage),
    **access(*READERS),
)
def list_transactions(request: HttpRequest, customer_id: int, page: Query[PageParams]):
    """The customer's orders, newest first."""
    found = records.transactions(customer_id=customer_id, cursor=page.cursor, limit=page.limit)
    return {"items": found.items, "next_cursor": found.next_cursor}


@router.post(
    "/{customer_id}/transactions",
    response=_responses(201, schemas.TransactionOut),
    **access(*ADMINS),
)
def add_transaction(request: HttpRequest, customer_id: int, payload: schemas.TransactionIn):
    """Record an order; (source, order_id) must be new."""
    row = editing.add_transaction(
        customer_id=customer_id, actor=viewer_of(request).username, **payload.model_dump()
    )
    return Status(201, records.transaction_view(row))


@router.get(
    "/{customer_id}/interactions",
    response=_responses(200, schemas.InteractionPage),
    **access(*READERS),
)
def list_interactions(request: HttpRequest, customer_id: int, page: Query[PageParams]):
    """The customer's contacts in every channel, newest first."""
    found = records.interactions(customer_id=customer_id, cursor=page.cursor, limit=page.limit)
    return {"items": found.items, "next_cursor": found.next_cursor}


@router.post(
    "/{customer_id}/interactions",
    response=_responses(201, schemas.InteractionOut),
    **access(*EDITORS),
)
def add_interaction(request: HttpRequest, customer_id: int, payload: schemas.InteractionIn):
    """Record a contact with the customer (a call, visit, email …)."""
    row = editing.add_interaction(
        customer_id=customer_id, actor=viewer_of(request).username, **payload.model_dump()
    )
    return Status(201, records.interaction_view(row))
