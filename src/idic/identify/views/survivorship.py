"""The survivorship rules page: which value a merged customer displays for each field.
Every role may read the rules; only admins change them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from idic.identify import survivorship
from idic.identify.field_rules import FieldError
from idic.identify.services import merge_survivors
from idic.identify.services.reasons import localise
from idic.identify.templatetags.identify_labels import label
from idic.identify.views.access import viewer_required


@require_GET
@viewer_required
def rules_page(request: HttpRequest) -> HttpResponse:
    """Every field with its rule and source ranking; a form per field for admins."""
    rows = [
        {**row, "sources": ", ".join(row["source_ranking"])} for row in merge_survivors.rule_table()
    ]
    return render(
        request,
        "identify/survivorship.html",
        {
            "rows": rows,
            "rules": survivorship.RULES,
            "can_edit": request.viewer.role == "admin",  # type: ignore[attr-defined]
            "default_sources": ", ".join(survivorship.DEFAULT_SOURCE_RANKING),
        },
    )


@require_POST
@viewer_required
def set_rule(request: HttpRequest, field: str) -> HttpResponse:
    """Save one field's rule ("save") or go back to its built-in rule ("reset")."""
    if request.viewer.role != "admin":  # type: ignore[attr-defined]
        raise PermissionDenied(_("Only an administrator may change survivorship rules."))
    shown = label(field, "attribute")
    try:
        if request.POST.get("action") == "reset":
            merge_survivors.reset_rule(field=field)
            messages.success(request, _("%(field)s: back to the built-in rule.") % {"field": shown})
        else:
            sources = request.POST.get("sources", "").replace("，", ",")
            ranking = [s.strip() for s in sources.split(",") if s.strip()]
            row = merge_survivors.set_rule(
                field=field, rule=request.POST.get("rule", ""), source_ranking=ranking
            )
            messages.success(
                request,
                _("%(field)s: later merges show the value chosen by “%(rule)s”.")
                % {"field": shown, "rule": label(row["rule"], "survivorship")},
            )
    except FieldError as exc:
        messages.error(request, f"{shown}: {localise(exc.message)}")
    return redirect("identify:survivorship")
