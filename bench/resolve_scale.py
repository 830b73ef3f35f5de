"""Benchmark: batch identity resolution of 1,000,000 source records on one machine.

Prints one JSON line: records, pairs scored and matched, seconds per step and in all,
peak memory (the process's maximum resident set, DuckDB's included: it runs in the
process), and pairwise precision / recall / F1 at the match threshold.

What it measures: the resolution pipeline of ``idic resolve`` without the database —
read the records from a CSV file, build the comparison features, train the Splink model
without labels (u by random sampling, m by EM) on DuckDB, score the blocked pairs, and
cluster them (``idic.identify.matching.linking``: matches, unambiguous possible
matches, families held back, pairs seen apart kept apart). Loading a million records into the operational database and
merging customers there are left out (``bench/import.py`` measures the import); the
records are the first ``--records`` of the demo stream (``idic.identify.demo``),
written once to ``var/bench/`` with their truth, which is used only to score.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from identify_cn import OUT, _pairs, _prf, read_records, write_records  # noqa: E402
from idic.identify.matching import features, linking, model  # noqa: E402


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--match-threshold", type=float, default=0.95)
    parser.add_argument("--review-threshold", type=float, default=0.5)
    args = parser.parse_args(argv)
    folder = write_records(
        OUT / f"resolve_scale_{args.records}_{args.seed}", records=args.records, seed=args.seed
    )
    seconds: dict[str, float] = {}
    started = clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 2)
        clock = now

    facts, people = read_records(folder)
    step("read")
    frame = features.feature_frame(facts)
    del facts
    step("features")
    trained = model.train(frame)
    step("train")
    pairs, apart = model.predict_links(
        frame, trained, threshold=min(args.review_threshold, linking.POSSIBLE_AT)
    )
    step("predict")
    matched = pairs[pairs["match_probability"] >= args.match_threshold]
    groups = linking.decide(
        range(len(frame)), pairs, frame, threshold_match=args.match_threshold, apart=apart
    ).clusters.groups
    step("cluster")
    seconds["total"] = round(time.perf_counter() - started, 2)
    by_person: dict[str, list[int]] = {}
    for record, person in enumerate(people):
        by_person.setdefault(person, []).append(record)
    scores = _prf(_pairs(groups), _pairs(by_person.values()))
    print(
        json.dumps(
            {
                "bench": "resolve_scale",
                "measures": "CSV -> features -> Splink train + predict (DuckDB) -> linking; "
                "no database",
                "records": len(frame),
                "pairs_scored": int((pairs["match_probability"] >= args.review_threshold).sum()),
                "pairs_matched": len(matched),
                "customers_found": len(groups),
                "seconds": seconds,
                "peak_rss_mb": _peak_mb(),
                "pairwise_at_match_threshold": {"threshold": args.match_threshold, **scores},
                "targets": {"seconds": 180, "peak_rss_mb": 8192},
                "load_average": os.getloadavg()[0],
                "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
            }
        )
    )


if __name__ == "__main__":
    main()
