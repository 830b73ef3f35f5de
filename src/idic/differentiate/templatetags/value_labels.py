"""Template filters of the value pages: display names of score codes and number formats.

The codes (RFM segments, pyramid tiers, value / loyalty / activity classes, lifecycle
stages) are written by the scoring run in English; their names are translated lazily,
so each request shows its own language and ``makemessages`` finds every one.
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

register = template.Library()

NONE = _("not scored")

SEGMENTS = {
    "champions": _("Champions"),
    "loyal": _("Loyal"),
    "potential loyalist": _("Potential loyalist"),
    "new": pgettext_lazy("RFM segment", "New"),
    "promising": _("Promising"),
    "need attention": _("Need attention"),
    "about to sleep": _("About to sleep"),
    "at risk": _("At risk"),
    "can't lose": _("Can't lose them"),
    "hibernating": _("Hibernating"),
    "lost": _("Lost"),
}
TIERS = {
    "platinum": _("Platinum"),
    "gold": _("Gold"),
    "iron": _("Iron"),
    "lead": _("Lead"),
}
ABC = {"A": _("Class A"), "B": _("Class B"), "C": _("Class C")}
VALUE_CLASSES = {
    "BZ": _("Below zero (BZ)"),
    "MVC": _("Most valuable (MVC)"),
    "MGC": _("Most growable (MGC)"),
    "migrator": _("Migrator"),
    "maintain": _("Maintain"),
}
LOYALTY = {
    "potential": _("Potential"),
    "new": pgettext_lazy("loyalty class", "New"),
    "old": _("Repeat"),
    "loyal": pgettext_lazy("loyalty class", "Loyal"),
}
ACTIVITY = {
    "high-frequency": _("High-frequency"),
    "active": _("Active"),
    "trading": _("Trading"),
    "inactive": _("Inactive"),
    "silent": _("Silent"),
}
STAGES = {
    "exploration": _("Exploration"),
    "formation": _("Formation"),
    "stability": _("Stability"),
    "decline": _("Decline"),
    "termination": _("Termination"),
}
LEVELS = {"high": _("High"), "mid": _("Medium"), "low": _("Low")}
FIELDS = {
    "lifecycle_stage": _("Lifecycle stage"),
    "pyramid_tier": _("Pyramid tier"),
    "value_class": _("Value class"),
    "rfm_segment": _("RFM segment"),
    "abc_class": _("ABC class"),
    "loyalty_class": _("Loyalty"),
    "activity_class": _("Activity"),
    "decile": _("Decile"),
}
VOCABULARIES = {
    "segment": SEGMENTS,
    "rfm_segment": SEGMENTS,
    "tier": TIERS,
    "pyramid_tier": TIERS,
    "abc": ABC,
    "abc_class": ABC,
    "value_class": VALUE_CLASSES,
    "loyalty": LOYALTY,
    "loyalty_class": LOYALTY,
    "activity": ACTIVITY,
    "activity_class": ACTIVITY,
    "stage": STAGES,
    "lifecycle_stage": STAGES,
    "level": LEVELS,
    "field": FIELDS,
}


@register.filter
def score_label(code, vocabulary: str) -> str:
    """The display name of a score code (``"champions"|score_label:"segment"`` → 冠军客户).
    ``None`` and ``none`` (no value / not in that run) read "not scored"; an unknown code
    is shown as written."""
    if code is None or code == "none":
        return str(NONE)
    name = VOCABULARIES.get(vocabulary, {}).get(str(code))
    return str(name) if name is not None else str(code)


@register.filter
def pct(value, digits: int = 1) -> str:
    """A percentage number (``35.74`` → ``35.7%``); empty for no value."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.{int(digits)}f}%"


@register.filter
def share(value, digits: int = 1) -> str:
    """A share 0‥1 as a percentage (``0.42`` → ``42.0%``)."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def num(value, digits: int = 2) -> str:
    """A number with thousands separators and ``digits`` decimals; ``—`` for none."""
    if value is None or value == "":
        return "—"
    return f"{float(value):,.{int(digits)}f}"
