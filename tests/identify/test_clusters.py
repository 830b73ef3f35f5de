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


# ---- the model's own constraints: apart pairs and unambiguous possible edges ----------


def test_apart_pairs_stop_a_sparse_record_chaining_two_people():
    # given a sparse record 2 that resembles both 0 and 1, whom the model sees apart
    edges = [Edge(0, 2, 0.99), Edge(1, 2, 0.97)]
    result = cluster(range(3), edges, apart=[(0, 1)])
    # then 2 joins the stronger one only; the other link is refused, no conflict
    assert set(result.groups) == {(0, 2), (1,)}
    assert result.blocked == [Edge(1, 2, 0.97)]
    assert result.conflicts == []


def test_apart_pairs_already_one_customer_are_no_conflict():
    # given records one customer already, which the model now scores apart
    result = cluster(range(2), [], fixed=[(0, 1)], apart=[(0, 1)])
    # then they stay together and nothing is reported (only people's decisions conflict)
    assert result.groups == [(0, 1)] and result.conflicts == []


def test_possible_edges_join_only_when_unambiguous():
    # given 0–1 a lone possible match, and 2 possibly either 3 or 4
    possible = [Edge(0, 1, 0.4), Edge(2, 3, 0.6), Edge(2, 4, 0.5)]
    result = cluster(range(5), [], possible=possible)
    # then 0 and 1 join; 2 joins neither
    assert set(result.groups) == {(0, 1), (2,), (3,), (4,)}
    assert result.used == [Edge(0, 1, 0.4)]


def test_possible_edge_to_a_matched_group_is_unambiguous():
    # given 0–1 matched and 2 possibly the same as either record of that customer
    result = cluster(range(3), [Edge(0, 1, 0.99)], possible=[Edge(0, 2, 0.3), Edge(1, 2, 0.3)])
    # then 2 joins them: its only possible partner is one customer
    assert result.groups == [(0, 1, 2)]


def test_records_that_each_resemble_the_others_join():
    # given a person's three sparse records, each possibly the same as the other two
    triangle = [Edge(0, 1, 0.5), Edge(1, 2, 0.4), Edge(0, 2, 0.5)]
    # then they join as one
    assert cluster(range(3), [], possible=triangle).groups == [(0, 1, 2)]
    # but five look-alikes that all resemble one another are namesakes: none joins
    five = [Edge(a, b, 0.5) for a in range(5) for b in range(a + 1, 5)]
    assert len(cluster(range(5), [], possible=five).groups) == 5


def test_a_clearly_best_partner_joins_and_a_tie_does_not():
    # given 0 resembling 1 and 2 equally / then neither joins
    tie = [Edge(0, 1, 0.6), Edge(0, 2, 0.6)]
    assert cluster(range(3), [], possible=tie).groups == [(0,), (1,), (2,)]
    # given 0 far likelier 1 than 2 (odds 9 against 2/3), and 1 and 2 seen apart
    clear = [Edge(0, 1, 0.9), Edge(0, 2, 0.4)]
    result = cluster(range(3), [], possible=clear, apart=[(1, 2)])
    # then 0 joins 1 and 2 stays alone
    assert result.groups == [(0, 1), (2,)]
    assert result.used == [Edge(0, 1, 0.9)]


def test_a_join_settles_what_was_ambiguous():
    # given 2 resembling 0 and 1, who turn out to be one person (0's clear best is 1)
    possible = [Edge(0, 1, 0.9), Edge(0, 2, 0.4)]
    # then once 0 and 1 are one customer, 2 resembles nobody else and joins them
    result = cluster(range(3), [], possible=possible)
    assert result.groups == [(0, 1, 2)]
    assert result.used == [Edge(0, 1, 0.9), Edge(0, 2, 0.4)]


def test_possible_edges_honour_apart_pairs_and_decisions():
    possible = [Edge(0, 1, 0.4)]
    assert cluster(range(2), [], possible=possible, apart=[(0, 1)]).groups == [(0,), (1,)]
    assert cluster(range(2), [], possible=possible, non_matches=[(0, 1)]).groups == [(0,), (1,)]


@settings(max_examples=300, deadline=None)
@given(edges=_edges, weak=_edges, apart=_pairs)
def test_possible_edges_only_coarsen_the_matched_clusters(edges, weak, apart):
    # given random matches, possible edges and apart pairs
    strong = [Edge(a, b, p) for a, b, p in edges]
    possible = [Edge(a, b, p / 2) for a, b, p in weak]
    apart = [(a, b) for a, b in apart if a != b]
    base = cluster(range(_NODES), strong, apart=apart)
    result = cluster(range(_NODES), strong, apart=apart, possible=possible)
    group_of = result.of()
    # then every matched group lies inside one final group
    assert all(len({group_of[r] for r in g}) == 1 for g in base.groups)
    # and final groups lie inside the components of all edges together
    everything = _components(range(_NODES), [(e.left, e.right) for e in strong + possible])
    inside = {r: c for c in everything for r in c}
    assert all(len({inside[r] for r in g}) == 1 for g in result.groups)
    # and no apart pair that the matches kept apart was joined by a possible edge
    base_of = base.of()
    for a, b in apart:
        if base_of[a] != base_of[b]:
            assert group_of[a] != group_of[b]
