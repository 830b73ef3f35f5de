"""The new-customer page: recognise first, so a returning customer is not entered twice.

On submit the data is checked (every refused value is shown at its field, nothing is
written) and recognised (``services.recognize``). A clear match or possible matches
are shown — names masked for the viewer's role, with the probability and why — and the
user opens the customer, or, when no match is certain, confirms "create anyway". A
clear match is never duplicated: ``create_customer`` links it. After a create the
browser goes to the new customer's 360 page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from idic.identify.field_rules import FieldError
from idic.identify.models import Customer, Gender, PartyType
from idic.identify.services import editing, recognize
from idic.identify.services.customers import customer_summary
from idic.identify.services.reasons import localise
from idic.identify.views.access import viewer_required

EDITOR_ROLES = ("admin", "agent")
TEXT_FIELDS = ("province", "city", "address", "company", "title")
# the fields the recogniser's evidence names, as the page shows them
EVIDENCE_LABELS = {
    "name": _("Name"),
    "phone": _("Phone"),
    "email": _("Email"),
    "id_number": _("ID number"),
    "member_card": _("Member card"),
    "birth_date": _("Date of birth"),
    "gender": _("Gender"),
    "address": _("Address"),
}


class NewCustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    party_type = forms.ChoiceField(
        label=_("Person or organisation"),
        choices=PartyType.choices,
        initial=PartyType.PERSON,
        widget=forms.RadioSelect,
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=300, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=20, required=False)
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"placeholder": "YYYY-MM-DD"}, format="%Y-%m-%d"),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    province = forms.CharField(label=_("Province"), max_length=50, required=False)
    city = forms.CharField(label=_("City"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    company = forms.CharField(label=_("Employer"), max_length=200, required=False)
    title = forms.CharField(label=_("Position"), max_length=100, required=False)
    # set by the "create anyway" button of the possible-match screen
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def customer_fields(self) -> dict[str, Any]:
        """The cleaned values as ``editing.create_customer`` takes them."""
        data = self.cleaned_data
        fields: dict[str, Any] = {
            "name": data["name"].strip(),
            "party_type": data["party_type"],
            "gender": data["gender"] or "",
            "birth_date": data["birth_date"],
            "phone": data["phone"].strip(),
            "email": data["email"].strip(),
            "id_number": data["id_number"].strip(),
        }
        fields.update({f: data[f].strip() for f in TEXT_FIELDS})
        return fields


def _check(form: NewCustomerForm) -> dict[str, Any] | None:
    """The form's customer fields when the service accepts them; else the refused value
    is added to its field's errors and None comes back."""
    fields = form.customer_fields()
    try:
        editing.check_new_customer(source="web", **fields)
    except FieldError as exc:
        _field_error(form, exc)
        return None
    return fields


def _field_error(form: NewCustomerForm, exc: FieldError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, localise(exc.message))


def _recognised(fields: dict[str, Any]) -> recognize.Recognition:
    address = " ".join(fields[f] for f in ("province", "city", "address") if fields[f])
    return recognize.recognize(
        name=fields["name"] or None,
        phone=fields["phone"] or None,
        email=fields["email"] or None,
        id_number=fields["id_number"] or None,
        address=address or None,
        birth_date=fields["birth_date"],
    )


def _candidates(answer: recognize.Recognition, request: HttpRequest) -> list[dict[str, Any]]:
    """The candidates of a recognition, each customer's fields masked for the viewer."""
    viewer = request.viewer  # type: ignore[attr-defined]
    ids = [c["customer_id"] for c in answer.candidates]
    stored = {c.pk: c for c in Customer.objects.filter(pk__in=ids)}
    shown = []
    for candidate in answer.candidates:
        customer = stored.get(candidate["customer_id"])
        if customer is None:
            continue
        why = candidate["why"]
        shown.append(
            {
                "customer": customer_summary(customer, viewer),
                "probability": candidate["probability"],
                "is_match": answer.status == "match"
                and candidate["customer_id"] == answer.customer_id,
                "agreed": [EVIDENCE_LABELS.get(f, f) for f in why.get("agreed", [])],
                "disagreed": [EVIDENCE_LABELS.get(f, f) for f in why.get("disagreed", [])],
            }
        )
    return shown


@require_http_methods(["GET", "POST"])
@viewer_required
def new_customer(request: HttpRequest) -> HttpResponse:
    """Enter a new customer; recognise before creating (see the module's text)."""
    viewer = request.viewer  # type: ignore[attr-defined]
    if viewer.role not in EDITOR_ROLES:
        raise PermissionDenied(gettext("Only an agent or an administrator may add customers."))
    if request.method != "POST":
        return _page(request, NewCustomerForm())
    form = NewCustomerForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    fields = _check(form)
    if fields is None:
        return _page(request, form, status=400)
    if not form.cleaned_data["confirm"]:
        try:
            answer = _recognised(fields)
        except FieldError as exc:
            _field_error(form, exc)
            return _page(request, form, status=400)
        candidates = _candidates(answer, request)
        if answer.status != "new" and candidates:
            return _page(request, form, answer=answer, candidates=candidates)
    try:
        customer = editing.create_customer(actor=viewer.username, source="web", **fields)
    except FieldError as exc:
        _field_error(form, exc)
        return _page(request, form, status=400)
    except editing.Conflict as exc:
        _field_error(form, FieldError(exc.field, str(exc)))
        return _page(request, form, status=400)
    if getattr(customer, "recognition", None) is not None:
        messages.info(
            request,
            gettext("This is a returning customer: nothing was added, here is the customer."),
        )
    else:
        messages.success(request, gettext("The customer was created."))
    return redirect("identify:customer", customer_id=customer.pk)


def _page(
    request: HttpRequest,
    form: NewCustomerForm,
    *,
    answer: recognize.Recognition | None = None,
    candidates: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "identify/new_customer.html",
        {
            "form": form,
            "answer": answer,
            "candidates": candidates or [],
            "person_fields": [form["gender"], form["birth_date"], form["id_number"]],
            "contact_fields": [form["phone"], form["email"]],
            "place_fields": [form["province"], form["city"], form["address"]],
            "work_fields": [form["company"], form["title"]],
        },
        status=status,
    )
