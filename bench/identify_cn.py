"""Benchmark: identity resolution of the demo generator's Chinese customer records.

Prints one JSON line: records, true duplicate pairs, and precision / recall / F1
pairwise and per cluster, at the match threshold (what ``idic resolve`` merges by
itself) and at the review threshold (what it merges once a person has accepted every
pair it queued), plus how many pairs of family members sharing a phone and a home were
merged (should be none) and the seconds per step.

The records are the first customers of the demo stream (``idic.identify.demo``, seed
``--seed``), written once to ``var/bench/`` with their ``truth.csv``; the truth is
used only to score. The pipeline is the one ``idic resolve`` runs, without the
database: features → Splink trained without labels (DuckDB) → pairs → clusters.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import sys
import time
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
sys.path.insert(0, str(ROOT / "src"))

from idic.identify.demo.columns import CUSTOMER_COLUMNS  # noqa: E402
from idic.identify.demo.generator import generate  # noqa: E402
from idic.identify.matching import clusters, features, linking, model  # noqa: E402


def write_records(folder: Path, *, customers: int = 0, records: int = 0, seed: int) -> Path:
    """Write ``customers.csv`` and ``truth.csv`` of the demo stream: until ``customers``
    real customers exist, or the first ``records`` customer records. Kept for reruns."""
    done = folder / "customers.csv"
    if done.exists() and (folder / "truth.csv").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    part, truth_part = folder / ".customers.part", folder / ".truth.part"
    written = 0
    limit = records or None
    with (
        part.open("w", encoding="utf-8", newline="") as rows_file,
        truth_part.open("w", encoding="utf-8", newline="") as truth_file,
    ):
        rows = csv.DictWriter(rows_file, fieldnames=CUSTOMER_COLUMNS, extrasaction="ignore")
        truth = csv.DictWriter(truth_file, fieldnames=("source", "source_id", "person"))
        rows.writeheader()
        truth.writeheader()
        wanted = customers or 10**9
        for bundle in generate(customers=wanted, rng=random.Random(seed)):
            for row, owner in zip(bundle.customers, bundle.truth, strict=True):
                rows.writerow(row)
                truth.writerow(owner)
                written += 1
                if limit and written >= limit:
                    break
            if limit and written >= limit:
                break
    part.replace(done)
    truth_part.replace(folder / "truth.csv")
    return folder


def read_records(folder: Path) -> tuple[list[features.RecordFacts], list[str]]:
    """The facts of every record and, for each, the real person it belongs to."""
    with (folder / "truth.csv").open(encoding="utf-8", newline="") as handle:
        owner = {(r["source"], r["source_id"]): r["person"] for r in csv.DictReader(handle)}
    facts, people = [], []
    with (folder / "customers.csv").open(encoding="utf-8", newline="") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            facts.append(features.facts_from_row(i, row))
            people.append(owner[(row["source"], row["source_id"])])
    return facts, people


def _pairs(groups: Iterable[Iterable[int]]) -> set[tuple[int, int]]:
    return {pair for group in groups for pair in combinations(sorted(group), 2)}


def _prf(found: set, truth: set) -> dict[str, float]:
    hits = len(found & truth)
    p = hits / len(found) if found else 1.0
    r = hits / len(truth) if truth else 1.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
    }


def evaluate(groups: list[tuple[int, ...]], people: list[str]) -> dict[str, dict]:
    """Pairwise scores (every pair of records put together) and cluster scores (a
    cluster counts when it holds exactly one person's records, singletons included)."""
    by_person: dict[str, list[int]] = {}
    for record, person in enumerate(people):
        by_person.setdefault(person, []).append(record)
    true_groups = {tuple(sorted(g)) for g in by_person.values()}
    found_groups = set(groups)
    return {
        "pairwise": _prf(_pairs(groups), _pairs(true_groups)),
        "cluster": _prf(found_groups, true_groups),
    }


def households_merged(frame, people: list[str], groups: list[tuple[int, ...]]) -> tuple[int, int]:
    """(pairs of different people sharing a phone and a street address, how many of them
    ended up as one customer)."""
    keyed: dict[tuple, list[int]] = {}
    for uid, phone, street, city in zip(
        frame["unique_id"], frame["phone"], frame["street"], frame["city"], strict=True
    ):
        if phone and street:
            keyed.setdefault((phone, street, city), []).append(int(uid))
    group_of = {r: i for i, g in enumerate(groups) for r in g}
    family = merged = 0
    for records in keyed.values():
        for a, b in combinations(records, 2):
            if people[a] != people[b]:
                family += 1
                merged += group_of[a] == group_of[b]
    return family, merged


def resolve(
    facts: list[features.RecordFacts], *, threshold_match: float, threshold_review: float
) -> tuple[dict, dict[str, float]]:
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    frame = features.feature_frame(facts)
    seconds["features"] = time.perf_counter() - clock
    clock = time.perf_counter()
    trained = model.train(frame)
    seconds["train"] = time.perf_counter() - clock
    clock = time.perf_counter()
    pairs, apart = model.predict_links(
        frame, trained, threshold=min(threshold_review, linking.POSSIBLE_AT)
    )
    seconds["predict"] = time.perf_counter() - clock
    clock = time.perf_counter()
    found = {}
    # what idic resolve merges by itself
    found["match"] = linking.decide(
        range(len(facts)),
        pairs,
        frame,
        threshold_match=threshold_match,
        apart=apart,
    ).clusters.groups
    # every pair at or above the review threshold accepted by a person
    reviewed = pairs[pairs["match_probability"] >= threshold_review]
    edges = [
        clusters.Edge(int(a), int(b), float(p))
        for a, b, p in zip(
            reviewed["unique_id_l"],
            reviewed["unique_id_r"],
            reviewed["match_probability"],
            strict=True,
        )
    ]
    found["review"] = clusters.cluster(range(len(facts)), edges).groups
    seconds["cluster"] = time.perf_counter() - clock
    found["pairs_scored"] = len(reviewed)  # type: ignore[assignment]
    found["frame"] = frame  # type: ignore[assignment]
    return found, {k: round(v, 2) for k, v in seconds.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--match-threshold", type=float, default=0.95)
    parser.add_argument("--review-threshold", type=float, default=0.5)
    args = parser.parse_args(argv)
    folder = write_records(
        OUT / f"identify_cn_{args.customers}_{args.seed}", customers=args.customers, seed=args.seed
    )
    started = time.perf_counter()
    facts, people = read_records(folder)
    read_seconds = round(time.perf_counter() - started, 2)
    found, seconds = resolve(
        facts, threshold_match=args.match_threshold, threshold_review=args.review_threshold
    )
    family, merged = households_merged(found["frame"], people, found["match"])
    true_pairs = len(_pairs(_groups(people)))
    print(
        json.dumps(
            {
                "bench": "identify_cn",
                "customers": args.customers,
                "records": len(facts),
                "true_pairs": true_pairs,
                "pairs_scored": found["pairs_scored"],
                "at_match_threshold": {
                    "threshold": args.match_threshold,
                    **evaluate(found["match"], people),
                },
                "at_review_threshold": {
                    "threshold": args.review_threshold,
                    **evaluate(found["review"], people),
                },
                "family_pairs_sharing_phone_and_home": family,
                "family_pairs_merged": merged,
                "seconds": {"read": read_seconds, **seconds},
                "labels_used_for_training": False,
                "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
            }
        )
    )


def _groups(people: list[str]) -> list[list[int]]:
    by_person: dict[str, list[int]] = {}
    for record, person in enumerate(people):
        by_person.setdefault(person, []).append(record)
    return list(by_person.values())


if __name__ == "__main__":
    main()
