"""Survivorship: which of several values of one customer field is displayed on the golden
record after a merge. Pure: no Django, no I/O.

Every value stays stored (attribute history, contact points, the merged customers' own
rows); survivorship only chooses what the golden record shows. Three rules, configurable
per field (the ``SurvivorshipRule`` table overrides the defaults below):

- ``most_trusted_source``: the value from the source ranked highest (a list of sources,
  most trusted first; a source not listed ranks after every listed one);
- ``most_recent``: the value collected last;
- ``most_complete``: the longest value (more filled parts for a composite value).

An empty value is never a candidate, so a filled value always beats a blank one. Ties are
broken by the other criteria in a fixed order (trust, recency, confidence, completeness),
then by the lowest origin id, so the same candidates always give the same choice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

RuleName = Literal["most_trusted_source", "most_recent", "most_complete"]
RULES: tuple[RuleName, ...] = ("most_trusted_source", "most_recent", "most_complete")

# Internal systems where staff check the data come first; self-service channels next;
# purchased or public lists last (the texts keep internal and external data apart and
# judge each batch's confidence, 002:L93).
DEFAULT_SOURCE_RANKING: tuple[str, ...] = (
    "kyc",
    "branch",
    "crm",
    "erp",
    "pos",
    "api",
    "web",
    "app",
    "wechat",
    "callcenter",
    "survey",
    "demo",
    "purchased",
    "public",
)
# The customer's postal address is chosen as one unit from these fields.
ADDRESS_FIELDS = ("province", "city", "district", "address")
ADDRESS = "address"


@dataclass(frozen=True)
class Rule:
    rule: RuleName
    source_ranking: tuple[str, ...] = DEFAULT_SOURCE_RANKING


@dataclass(frozen=True)
class Candidate:
    """One value of a field. ``value`` is text, or a tuple of parts for a composite value
    (the postal address); ``origin`` identifies where it came from (a row id)."""

    value: str | tuple[str, ...]
    source: str
    collected_at: datetime
    confidence: float = 1.0
    origin: int = 0
    detail: Mapping[str, object] = field(default_factory=dict, compare=False)

    @property
    def filled(self) -> bool:
        if isinstance(self.value, tuple):
            return any(part.strip() for part in self.value)
        return bool(self.value.strip())

    @property
    def completeness(self) -> tuple[int, int]:
        """Filled parts, then characters: a longer value says more."""
        parts = self.value if isinstance(self.value, tuple) else (self.value,)
        return sum(1 for p in parts if p.strip()), sum(len(p.strip()) for p in parts)


# A name and everything read from a person's papers come from trusted sources first;
# what changes with life (employer, status, address) from the latest collection.
DEFAULT_RULES: dict[str, Rule] = {
    "name": Rule("most_trusted_source"),
    "gender": Rule("most_trusted_source"),
    "birth_date": Rule("most_trusted_source"),
    "party_type": Rule("most_trusted_source"),
    "kind": Rule("most_trusted_source"),
    "scope": Rule("most_trusted_source"),
    "status": Rule("most_recent"),
    "company": Rule("most_recent"),
    "title": Rule("most_recent"),
    "risk_flag": Rule("most_recent"),
    ADDRESS: Rule("most_recent"),
}
FALLBACK_RULE = Rule("most_recent")


class BadRule(ValueError):
    """A survivorship rule that cannot be used; the message says how to fix it."""


def make_rule(rule: str, source_ranking: Sequence[str] = ()) -> Rule:
    """A checked rule from stored data (an empty ranking means the default ranking)."""
    if rule not in RULES:
        raise BadRule(f"survivorship rule {rule!r} is not one of {', '.join(RULES)}")
    ranking = tuple(source_ranking)
    if any(not isinstance(s, str) or not s for s in ranking):
        raise BadRule("source_ranking must be a list of source names, most trusted first")
    return Rule(rule, ranking or DEFAULT_SOURCE_RANKING)  # type: ignore[arg-type]


def rules_with(overrides: Mapping[str, Rule]) -> dict[str, Rule]:
    """The default rules with some replaced."""
    return {**DEFAULT_RULES, **overrides}


def _trust(source: str, ranking: Sequence[str]) -> int:
    """0 for the most trusted source; unlisted sources all rank last."""
    try:
        return ranking.index(source)
    except ValueError:
        return len(ranking)


def _sort_key(candidate: Candidate, rule: Rule) -> tuple:
    trust = -_trust(candidate.source, rule.source_ranking)  # higher is better
    recency = candidate.collected_at.timestamp()
    complete = candidate.completeness
    criteria = {
        "most_trusted_source": (trust, recency, candidate.confidence, complete),
        "most_recent": (recency, trust, candidate.confidence, complete),
        "most_complete": (complete, trust, recency, candidate.confidence),
    }[rule.rule]
    return (*criteria, -candidate.origin)


def choose(candidates: Iterable[Candidate], rule: Rule) -> Candidate | None:
    """The candidate the rule displays, or None when no candidate has a value."""
    filled = [c for c in candidates if c.filled]
    if not filled:
        return None
    return max(filled, key=lambda c: _sort_key(c, rule))


def choose_all(
    candidates: Mapping[str, Iterable[Candidate]], rules: Mapping[str, Rule] | None = None
) -> dict[str, Candidate]:
    """The chosen candidate of each field that has one (fields without a rule use
    ``most_recent``)."""
    rules = DEFAULT_RULES if rules is None else rules
    chosen = {}
    for name, values in candidates.items():
        winner = choose(values, rules.get(name, FALLBACK_RULE))
        if winner is not None:
            chosen[name] = winner
    return chosen
