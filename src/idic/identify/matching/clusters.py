"""Clusters of records from matched pairs: connected components with union-find,
honouring the decisions people made in the review queue.

Edges are joined strongest first (Kruskal's order):

1. *fixed* links — records that are one customer already (an earlier merge); they are
   joined whatever else holds, since resolution never splits a customer;
2. *match* decisions of a person;
3. predicted matches, the most probable first.

A *non-match* decision keeps its two records apart: an edge that would join the
component of one with the component of the other is skipped. Because edges come
strongest first, when a chain of predicted links would connect two records a person
kept apart, the link dropped is the weakest one on that chain — the last that would
close it. Each skipped edge is reported (``Clusters.blocked``) so the service can send
that pair to the review queue. If fixed links or match decisions already join a
kept-apart pair (a person said "not a match" about two records that are one customer,
or contradicted themselves), the pair is reported in ``Clusters.conflicts`` and no
further edge is refused on its account.

The model adds two things of its own. *Apart* pairs — records it scores as surely
different people (another birth date, ID number, email …) — are kept apart like a
non-match decision, so a sparse record that resembles two people cannot chain them into
one customer; an edge refused on their account is reported in ``blocked`` too, but no
conflict is raised when earlier links already join them. *Possible* edges (between the
review and the match threshold) are joined last, and only where they are unambiguous:
the components they link resemble one another and nobody else (each two of them have a
possible edge; two components that are each other's only partner are the simplest
case), or two components are each other's clearly best partner (the runner-up is at
most half as likely, in odds); and the join keeps every pair apart that must be.

Without decisions, apart pairs and possible edges the clusters are exactly the
connected components of the edges.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


class UnionFind:
    """Disjoint sets over hashable items, with path halving and union by size."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.size: dict[int, int] = {}

    def add(self, item: int) -> None:
        if item not in self.parent:
            self.parent[item] = item
            self.size[item] = 1

    def find(self, item: int) -> int:
        self.add(item)
        parent = self.parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return ra


@dataclass(frozen=True)
class Edge:
    left: int
    right: int
    probability: float = 1.0


@dataclass
class Clusters:
    """The result: ``groups`` (each a sorted tuple of records; groups ordered by their
    first record), ``used`` (the edges that joined them), ``blocked`` (predicted edges
    refused because of a non-match decision) and ``conflicts`` (non-match pairs that
    fixed links join anyway, and match decisions refused because of a non-match)."""

    groups: list[tuple[int, ...]]
    used: list[Edge] = field(default_factory=list)
    blocked: list[Edge] = field(default_factory=list)
    conflicts: list[tuple[int, int]] = field(default_factory=list)

    def of(self) -> dict[int, int]:
        """Each record → the index of its group in :attr:`groups`."""
        return {record: i for i, group in enumerate(self.groups) for record in group}


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a <= b else (b, a)


class _Joiner:
    """Union-find plus, per component root, the records it must not be joined with."""

    def __init__(self, apart: set[tuple[int, int]], soft: Iterable[tuple[int, int]] = ()) -> None:
        self.sets = UnionFind()
        self.partners: dict[int, set[int]] = {}  # record → records kept apart from it
        self.soft = {p for p in soft if p not in apart}  # the model's: never a conflict
        for a, b in apart | self.soft:
            self.partners.setdefault(a, set()).add(b)
            self.partners.setdefault(b, set()).add(a)
        # root → records kept apart from some member of the component
        self.apart: dict[int, set[int]] = {r: set(p) for r, p in self.partners.items()}
        for record in self.partners:
            self.sets.add(record)
        self.conflicts: set[tuple[int, int]] = set()

    def allowed(self, a: int, b: int) -> bool:
        """Whether joining the components of ``a`` and ``b`` keeps every pair apart."""
        ra, rb = self.sets.find(a), self.sets.find(b)
        if ra == rb:
            return True
        if len(self.apart.get(ra, ())) > len(self.apart.get(rb, ())):
            ra, rb = rb, ra
        return all(self.sets.find(x) != rb for x in self.apart.get(ra, ()))

    def join(self, a: int, b: int) -> None:
        ra, rb = self.sets.find(a), self.sets.find(b)
        if ra == rb:
            return
        root = self.sets.union(ra, rb)
        merged = self.apart.pop(ra, set()) | self.apart.pop(rb, set())
        inside = {x for x in merged if self.sets.find(x) == root}
        for x in inside:  # only fixed links get here: a decision they contradict
            for y in self.partners[x]:
                if self.sets.find(y) == root and _pair(x, y) not in self.soft:
                    self.conflicts.add(_pair(x, y))
        if merged - inside:
            self.apart[root] = merged - inside


def cluster(
    records: Iterable[int],
    edges: Iterable[Edge],
    *,
    fixed: Iterable[tuple[int, int]] = (),
    matches: Iterable[tuple[int, int]] = (),
    non_matches: Iterable[tuple[int, int]] = (),
    apart: Iterable[tuple[int, int]] = (),
    possible: Iterable[Edge] = (),
) -> Clusters:
    """Cluster ``records`` by ``edges`` (predicted matches) and the decisions.

    Args:
        records: every record id (singletons become one-record groups).
        edges: predicted matches with their probability.
        fixed: pairs already one customer; always joined.
        matches: pairs a person decided are one customer; joined unless a non-match
            decision forbids it (then reported as a conflict).
        non_matches: pairs a person decided are not one customer.
        apart: pairs the model scores as different people; kept apart like
            non-matches, but never reported as conflicts.
        possible: edges below the match threshold, joined only where unambiguous.
    """
    joiner = _Joiner(
        {_pair(a, b) for a, b in non_matches if a != b},
        {_pair(a, b) for a, b in apart if a != b},
    )
    for record in records:
        joiner.sets.add(record)
    used: list[Edge] = []
    blocked: list[Edge] = []
    for a, b in fixed:
        joiner.join(a, b)
    for a, b in sorted({_pair(a, b) for a, b in matches}):
        if joiner.allowed(a, b):
            joiner.join(a, b)
            used.append(Edge(a, b, 1.0))
        else:
            joiner.conflicts.add(_pair(a, b))
    ordered = sorted(
        (Edge(*_pair(e.left, e.right), e.probability) for e in edges if e.left != e.right),
        key=lambda e: (-e.probability, e.left, e.right),
    )
    for edge in ordered:
        a, b = edge.left, edge.right
        if joiner.sets.find(a) == joiner.sets.find(b):
            continue
        if joiner.allowed(a, b):
            joiner.join(a, b)
            used.append(edge)
        else:
            blocked.append(edge)
    _join_unambiguous(joiner, possible, used)
    members: dict[int, list[int]] = {}
    for record in joiner.sets.parent:
        members.setdefault(joiner.sets.find(record), []).append(record)
    groups = sorted((tuple(sorted(m)) for m in members.values()), key=lambda g: g[0])
    return Clusters(
        groups=groups, used=used, blocked=blocked, conflicts=sorted(set(joiner.conflicts))
    )


# The most components one group of possible edges may join: a person's records in
# three sources. A larger group of look-alikes is more likely several namesakes (measured
# on the demo data with bench/identify_cn.py: 3 and 4 do as well).
MOST_ALIKE = 3


def _alike_groups(linked: dict[int, set[int]]) -> dict[int, bool]:
    """For each component with a possible partner, whether its group (the components
    reachable through possible edges) is unambiguous: at most :data:`MOST_ALIKE`
    components, each with a possible edge to every other one."""
    unambiguous: dict[int, bool] = {}
    for root in linked:
        if root in unambiguous:
            continue
        members, stack = {root}, [root]
        while stack:
            for other in linked[stack.pop()]:
                if other not in members:
                    members.add(other)
                    stack.append(other)
        clique = len(members) <= MOST_ALIKE and all(linked[m] >= members - {m} for m in members)
        unambiguous.update(dict.fromkeys(members, clique))
    return unambiguous


def _join_unambiguous(joiner: _Joiner, possible: Iterable[Edge], used: list[Edge]) -> None:
    """Join the possible edges where they are unambiguous. First the groups of
    :func:`_alike_groups`: two components that resemble each other and nobody else, or a
    person's three sparse records that each resemble the other two. Then two components
    that are each other's clearly best partner (:func:`_clear_best`). A join can settle
    what was ambiguous (a record that resembled two records of one person), so this
    repeats until nothing joins. A component that resembles two others about as much,
    which do not resemble each other, joins neither."""
    edges = [Edge(*_pair(e.left, e.right), e.probability) for e in possible if e.left != e.right]
    edges.sort(key=lambda e: (-e.probability, e.left, e.right))
    while _join_round(joiner, edges, used):
        pass


def _join_round(joiner: _Joiner, edges: list[Edge], used: list[Edge]) -> bool:
    """One round of :func:`_join_unambiguous`; whether anything joined."""
    find = joiner.sets.find
    linked: dict[int, set[int]] = {}
    for edge in edges:
        ra, rb = find(edge.left), find(edge.right)
        if ra != rb:
            linked.setdefault(ra, set()).add(rb)
            linked.setdefault(rb, set()).add(ra)
    unambiguous = _alike_groups(linked)
    joined = False
    for edge in edges:
        # a join keeps one of the two roots, so a root's group is still known
        root = find(edge.left)
        if root == find(edge.right) or not unambiguous.get(root, False):
            continue
        if joiner.allowed(edge.left, edge.right):
            joiner.join(edge.left, edge.right)
            used.append(edge)
            joined = True
    for edge in _clear_best(find, edges):
        if joiner.allowed(edge.left, edge.right):
            joiner.join(edge.left, edge.right)
            used.append(edge)
            joined = True
    return joined


# A possible partner is clearly the best when the runner-up's odds of a match are at
# most 1/CLEAR_BEST of its own (measured on the demo data with bench/identify_cn.py:
# 1.5 to 4 do about as well).
CLEAR_BEST = 2.0


def _odds(probability: float) -> float:
    return probability / (1.0 - probability) if probability < 1.0 else math.inf


def _clear_best(find: Callable[[int], int], edges: list[Edge]) -> list[Edge]:
    """The strongest edge between each two components that are each other's clearly best
    possible partner: for both, the runner-up's odds are at most 1/:data:`CLEAR_BEST`
    of theirs (a tie is never clear)."""
    best: dict[int, dict[int, Edge]] = {}
    for edge in edges:
        ra, rb = find(edge.left), find(edge.right)
        if ra == rb:
            continue
        for root, other in ((ra, rb), (rb, ra)):
            known = best.setdefault(root, {}).get(other)
            if known is None or edge.probability > known.probability:
                best[root][other] = edge
    chosen: dict[int, tuple[int, Edge]] = {}
    for root, partners in best.items():
        ranked = sorted(partners.items(), key=lambda item: -item[1].probability)
        partner, edge = ranked[0]
        runner_up = ranked[1][1].probability if len(ranked) > 1 else 0.0
        if _odds(edge.probability) >= CLEAR_BEST * _odds(runner_up):
            chosen[root] = (partner, edge)
    return [
        edge
        for root, (partner, edge) in sorted(chosen.items())
        if root < partner and chosen.get(partner, (None,))[0] == root
    ]
