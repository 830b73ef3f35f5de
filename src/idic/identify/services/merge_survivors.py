"""The golden record's displayed fields after a merge, chosen by survivorship.

Candidates are every current value of a displayed field among the merged customers:
attribute values with their own source and time, and a customer's column where it has
no current attribute value of its own (with the customer's first source system and the
time it was last updated). The postal address is chosen as one unit. Nothing is
deleted or superseded: only the golden customer's displayed columns change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from idic.identify import field_rules, normalise, survivorship
from idic.identify.field_rules import FieldError
from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    SourceRecord,
    SurvivorshipRule,
)
from idic.identify.services.merge_rows import chunks

PROFILE_FIELDS = tuple(field_rules.PROFILE_GROUP)
ADDRESS_FIELDS = field_rules.ADDRESS_FIELDS
Candidates = dict[str, list[survivorship.Candidate]]


def survivorship_rules() -> dict[str, survivorship.Rule]:
    """The default rules with the overrides stored in ``SurvivorshipRule``."""
    overrides = {
        r.field: survivorship.make_rule(r.rule, r.source_ranking)
        for r in SurvivorshipRule.objects.all()
    }
    return survivorship.rules_with(overrides)


def first_sources(customer_ids: Sequence[int]) -> dict[int, str]:
    """Each customer's first source system (read before its rows move)."""
    first: dict[int, str] = {}
    for chunk in chunks(sorted(customer_ids)):
        rows = SourceRecord.objects.filter(customer_id__in=chunk).order_by("first_seen_at", "pk")
        for customer_id, source in rows.values_list("customer_id", "source"):
            first.setdefault(customer_id, source)
    return first


def candidates_of(
    golden_ids: Sequence[int],
    members: Mapping[int, Sequence[int]],
    states: Mapping[int, Mapping[str, Any]],
    attribute_owner: Mapping[int, int],
    sources: Mapping[int, str],
) -> dict[int, Candidates]:
    """The candidates of each golden customer's fields, after the rows have moved.

    ``members`` lists each golden customer's group (itself included); ``states`` their
    prior fields; ``attribute_owner`` the customer each moved attribute row came from.
    """
    found: dict[int, Candidates] = {
        g: {f: [] for f in (*PROFILE_FIELDS, survivorship.ADDRESS)} for g in golden_ids
    }
    covered: set[tuple[int, str]] = set()
    seen: dict[int, dict[str, Any]] = {g: {} for g in golden_ids}
    for chunk in chunks(sorted(golden_ids)):
        rows = AttributeValue.objects.filter(
            customer_id__in=chunk, name__in=PROFILE_FIELDS, superseded_at__isnull=True
        ).values_list("pk", "customer_id", "name", "value", "source", "collected_at", "confidence")
        for pk, golden, name, value, source, collected_at, confidence in rows:
            covered.add((attribute_owner.get(pk, golden), name))
            found[golden][name].append(
                survivorship.Candidate(value, source, collected_at, confidence, origin=pk)
            )
        addresses = ContactPoint.objects.filter(
            customer_id__in=chunk, kind="address", is_current=True
        ).values_list("customer_id", "value", "last_seen_at")
        for golden, value, last_seen in addresses:
            seen[golden][value] = last_seen
    updated_at = Customer._meta.get_field("updated_at")
    for golden in golden_ids:
        for customer_id in members[golden]:
            state = states[customer_id]
            updated = updated_at.to_python(state["updated_at"])
            source = sources.get(customer_id, "")
            for name in PROFILE_FIELDS:
                if (customer_id, name) not in covered:
                    text = field_rules.as_attribute_text(state[name])
                    found[golden][name].append(
                        survivorship.Candidate(text, source, updated, origin=-customer_id)
                    )
            parts = tuple(state[f] or "" for f in ADDRESS_FIELDS)
            postal = " ".join(p for p in parts if p)[:300]
            when = seen[golden].get(postal, updated)  # when that address was last seen
            found[golden][survivorship.ADDRESS].append(
                survivorship.Candidate(parts, source, when, origin=-customer_id)
            )
    return found


def _column_value(name: str, text: str, today: date):
    try:
        return field_rules.clean_customer_field(name, text, today=today)
    except FieldError:
        return None


def apply_choice(golden: Customer, chosen: Mapping[str, survivorship.Candidate]) -> list[str]:
    """Set the golden customer's displayed fields; returns the fields that changed."""
    today = timezone.localdate()
    changed = []
    for name in PROFILE_FIELDS:
        if name not in chosen:
            continue
        value = _column_value(name, str(chosen[name].value), today)
        if value is not None and getattr(golden, name) != value:
            setattr(golden, name, value)
            changed.append(name)
    if survivorship.ADDRESS in chosen:
        parts = chosen[survivorship.ADDRESS].value
        for name, part in zip(ADDRESS_FIELDS, parts, strict=True):
            if getattr(golden, name) != part:
                setattr(golden, name, part)
                changed.append(name)
    golden.name_key = normalise.name_key(golden.name)
    return changed


# ---- configuring the rules -----------------------------------------------------------


def rule_table() -> list[dict[str, Any]]:
    """Every field's rule as merges use it: ``field, rule, source_ranking, overridden``."""
    stored = set(SurvivorshipRule.objects.values_list("field", flat=True))
    rules = survivorship_rules()
    return [
        {
            "field": name,
            "rule": rule.rule,
            "source_ranking": list(rule.source_ranking),
            "overridden": name in stored,
        }
        for name, rule in sorted(rules.items())
    ]


def _rule_field(name: str) -> str:
    known = sorted(survivorship.DEFAULT_RULES)
    if name not in known:
        raise FieldError(
            "field", f"{name!r} is not a customer field; use one of {', '.join(known)}"
        )
    return name


def set_rule(*, field: str, rule: str, source_ranking: Sequence[str] = ()) -> dict[str, Any]:
    """Use ``rule`` for ``field`` in every later merge (earlier merges keep their choice).

    Raises:
        FieldError: unknown field, unknown rule, or a bad source name; nothing changed.
    """
    name = _rule_field(field)
    ranking = [field_rules.clean_code("source", s) for s in source_ranking]
    try:
        survivorship.make_rule(rule, ranking)
    except survivorship.BadRule as exc:
        raise FieldError("rule", str(exc)) from None
    with transaction.atomic():
        SurvivorshipRule.objects.update_or_create(
            field=name, defaults={"rule": rule, "source_ranking": ranking}
        )
    return next(r for r in rule_table() if r["field"] == name)


def reset_rule(*, field: str) -> dict[str, Any]:
    """Go back to the built-in rule of ``field``."""
    name = _rule_field(field)
    with transaction.atomic():
        SurvivorshipRule.objects.filter(field=name).delete()
    return next(r for r in rule_table() if r["field"] == name)
