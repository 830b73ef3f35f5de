"""Clustering matched pairs (pure): union-find against networkx, and people's decisions."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.identify.matching.clusters import Edge, UnionFind, cluster

_NODES = 30
_edges = st.lists(
    st.tuples(
        st.integers(0, _NODES - 1),
        st.integers(0, _NODES - 1),
        st.floats(0.5, 1.0, allow_nan=False),
    ),
    max_size=60,
)
_pairs = st.lists(st.tuples(st.integers(0, _NODES - 1), st.integers(0, _NODES - 1)), max_size=8)


def _components(nodes, pairs) -> set[tuple[int, ...]]:
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(pairs)
    return {tuple(sorted(c)) for c in nx.connected_components(graph)}


@settings(max_examples=300, deadline=None)
@given(edges=_edges)
def test_without_decisions_clusters_are_the_connected_components(edges):
    # given a random graph / when clustered / then exactly networkx's components
    result = cluster(range(_NODES), [Edge(a, b, p) for a, b, p in edges])
    assert set(result.groups) == _components(range(_NODES), [(a, b) for a, b, _p in edges])
    assert not result.blocked and not result.conflicts
    # and every record is in exactly one group
    assert sorted(r for g in result.groups for r in g) == list(range(_NODES))


@settings(max_examples=300, deadline=None)
@given(edges=_edges, apart=_pairs, joined=_pairs)
def test_decisions_are_honoured_on_random_graphs(edges, apart, joined):
    # given predicted edges, "not a match" and "match" decisions (none contradicting)
    apart_set = {tuple(sorted(p)) for p in apart if p[0] != p[1]}
    joined = [p for p in joined if tuple(sorted(p)) not in apart_set]
    result = cluster(
        range(_NODES),
        [Edge(a, b, p) for a, b, p in edges],
        matches=joined,
        non_matches=list(apart_set),
    )
    group_of = result.of()
    # then no group holds a pair kept apart: "not a match" wins over "match"
    for a, b in apart_set:
        assert group_of[a] != group_of[b]
    # and where matches alone would join a kept-apart pair, the clash is reported
    forced = _components(range(_NODES), joined)
    forced_of = {r: g for g in forced for r in g}
    if any(forced_of[a] == forced_of[b] for a, b in apart_set):
        assert result.conflicts
    # and the groups are components of the edges that were used
    used = [(e.left, e.right) for e in result.used]
    assert set(result.groups) == _components(range(_NODES), used)
    # and an edge was refused only if taking it would have joined a kept-apart pair
    for edge in result.blocked:
        assert group_of[edge.left] != group_of[edge.right]


def test_a_chain_across_a_non_match_loses_its_weakest_link():
    # given 1–2–3–4 linked with 3–4 the weakest, and a person saying 1 and 4 differ
    edges = [Edge(1, 2, 0.99), Edge(2, 3, 0.97), Edge(3, 4, 0.96), Edge(5, 6, 0.9)]
    result = cluster(range(1, 7), edges, non_matches=[(4, 1)])
    # then the weakest link on the chain is dropped and reported
    assert result.groups == [(1, 2, 3), (4,), (5, 6)]
    assert result.blocked == [Edge(3, 4, 0.96)]


def test_weakest_link_in_the_middle_is_the_one_dropped():
    edges = [Edge(1, 2, 0.99), Edge(2, 3, 0.951), Edge(3, 4, 0.98)]
    result = cluster(range(1, 5), edges, non_matches=[(1, 4)])
    assert result.groups == [(1, 2), (3, 4)]
    assert result.blocked == [Edge(2, 3, 0.951)]


def test_match_decision_adds_an_edge():
    # given no predicted link between 1 and 2 but a person saying they match
    result = cluster(range(1, 4), [], matches=[(2, 1)])
    assert result.groups == [(1, 2), (3,)]


def test_records_of_one_customer_stay_together_and_a_contradiction_is_reported():
    # given 3 and 4 already one customer though a person said they differ
    result = cluster(range(1, 5), [Edge(1, 2, 0.99)], fixed=[(3, 4)], non_matches=[(3, 4)])
    assert result.groups == [(1, 2), (3, 4)]
    assert result.conflicts == [(3, 4)]


def test_contradicting_match_decision_is_not_applied():
    # given "1 = 2" and "1 ≠ 2" / then the non-match wins and the clash is reported
    result = cluster(range(1, 3), [], matches=[(1, 2)], non_matches=[(1, 2)])
    assert result.groups == [(1,), (2,)]
    assert result.conflicts == [(1, 2)]


def test_union_find_basics():
    sets = UnionFind()
    sets.union(1, 2)
    sets.union(3, 4)
    assert sets.find(1) == sets.find(2) != sets.find(3)
    sets.union(2, 4)
    assert len({sets.find(i) for i in range(1, 5)}) == 1
