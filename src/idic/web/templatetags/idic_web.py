"""Template helpers of the shared layout: role names and the active menu entry."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

ROLE_LABELS = {
    "admin": _("Administrator"),
    "agent": _("Service agent"),
    "analyst": _("Analyst"),
}


@register.filter
def role_label(role: str | None) -> str:
    """The display name of a role (``analyst`` → 分析员)."""
    if not role:
        return str(_("No role"))
    return str(ROLE_LABELS.get(role, role))


@register.simple_tag(takes_context=True)
def nav_active(context, *names: str) -> str:
    """``is-active`` when the current page's URL name is one of ``names`` (``ns:name``)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    return "is-active" if match.view_name in names else ""
