"""Train and apply the matching model with Splink, without labels.

``train`` estimates the Fellegi–Sunter parameters: the prior from a few near-certain
rules, u by random sampling of pairs, m by expectation maximisation on the training
blocks of :mod:`settings`. Then :func:`regularise` keeps every level's m and u above a
floor: a level EM never saw (no duplicate with a different birth date in the training
blocks, say) would otherwise get no weight or an infinite one, and one field could
veto a match on its own. ``predict`` scores the blocked pairs with a trained model
(the settings dictionary Splink saves, with m and u).

The engine is DuckDB in memory by default; ``engine="spark"`` runs the same model on
a local Spark session (for bases that outgrow one machine).
"""

from __future__ import annotations

import logging
from typing import Any, TypeAlias

import pandas as pd
from splink import DuckDBAPI, Linker
from splink.internals.exceptions import EMTrainingException

from idic.identify.matching import settings as model_settings

ENGINES = ("duckdb", "spark")
M_FLOOR = 0.002  # the least share of true matches any level is assumed to hold
U_FLOOR = 1e-7  # the least share of random pairs
# below this match probability, with fields that disagree by this many bits in all, two
# records are different people: never one customer. A pair that is merely unlikely (a
# sparse record whose name differs by one character: little evidence either way) is not.
APART_BELOW = 0.01
APART_EVIDENCE = 1.0
_QUIET = logging.ERROR


class ModelError(ValueError):
    """The model cannot be trained or applied to this data; the message says why."""


def _db_api(engine: str):
    if engine == "duckdb":
        return DuckDBAPI()
    if engine == "spark":
        from idic.identify.matching.spark import spark_api

        return spark_api()
    raise ModelError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")


Frames: TypeAlias = pd.DataFrame | list[pd.DataFrame]


def _rows(frame: Frames) -> int:
    return sum(len(f) for f in frame) if isinstance(frame, list) else len(frame)


def _linker(frame: Frames, settings: Any, engine: str) -> Linker:
    """A Linker over one table (dedupe) or several (linking files to each other)."""
    db_api = _db_api(engine)
    if isinstance(frame, list):
        tables = [
            db_api.register(f, dataset_display_name=f"input_{i}") for i, f in enumerate(frame)
        ]
        return Linker(tables, settings, log_level=_QUIET)
    return Linker(db_api.register(frame), settings, log_level=_QUIET)


def train(
    frame: Frames,
    *,
    engine: str = "duckdb",
    max_pairs: float = 2e6,
    seed: int = 42,
    settings: Any = None,
    training_blocks: tuple[Any, ...] | None = None,
    deterministic_rules: tuple[str, ...] | None = None,
    recall: float | None = None,
    em_max_pairs: float | None = 2e6,
) -> dict[str, Any]:
    """Estimate the model on ``frame`` (one row per record, :mod:`features` columns)
    and return it as Splink's settings dictionary with m and u, regularised.

    ``settings``, ``training_blocks`` (blocking rules) and ``deterministic_rules``
    default to our customer model; the FEBRL benchmark passes its own.
    """
    if _rows(frame) < 2:
        raise ModelError(f"need at least 2 records to train the matching model, got {_rows(frame)}")
    linker = _linker(frame, settings or model_settings.settings(), engine)
    training = linker.training
    training.estimate_probability_two_random_records_match(
        list(deterministic_rules or model_settings.DETERMINISTIC_RULES),
        recall=recall or model_settings.DETERMINISTIC_RECALL,
    )
    training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    if training_blocks is None:
        blocks = tuple(
            model_settings.blocking_rule(b, explode=False)
            for b in model_settings.TRAINING_BLOCKS + model_settings.FALLBACK_TRAINING_BLOCKS
        )
        wanted = len(model_settings.TRAINING_BLOCKS)
    else:
        blocks, wanted = training_blocks, len(training_blocks)
    trained = 0
    for rule in blocks:
        if trained == wanted:
            break
        try:
            training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=em_max_pairs
            )
        except EMTrainingException:  # the rule finds no pairs in this data: try the next
            continue
        trained += 1
    if trained == 0:
        raise ModelError(
            f"no two of the {_rows(frame)} records agree on a training rule (name and birth "
            "year, email, name and city, phone): too few or too different records to learn "
            "from; import more records"
        )
    return regularise(linker.misc.save_model_to_json())


def _probability(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _floored(values: list[float | None], floor: float) -> list[float]:
    raised = [max(v if v is not None else floor, floor) for v in values]
    total = sum(raised)
    return [v / total for v in raised]


def regularise(model: dict[str, Any], *, m_floor: float = M_FLOOR) -> dict[str, Any]:
    """Raise every non-null level's m and u to a floor and renormalise each to 1."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for key, floor in (("m_probability", m_floor), ("u_probability", U_FLOOR)):
            values = _floored([_probability(lv.get(key)) for lv in levels], floor)
            for level, value in zip(levels, values, strict=True):
                level[key] = value
    return model


def predict(
    frame: Frames, model: dict[str, Any], *, threshold: float, engine: str = "duckdb"
) -> pd.DataFrame:
    """Score the blocked pairs of ``frame`` with ``model``; keep pairs whose match
    probability is at least ``threshold``.

    Returns a table with ``unique_id_l`` < ``unique_id_r``, ``match_probability``,
    ``match_weight`` and one ``mw_<field>`` column per compared field: the field's
    weight of evidence in bits (above 0 it agreed, below 0 it disagreed, 0 no data),
    and ``mw_tf_adj_<field>`` where a common value weighs less.
    """
    return predict_links(frame, model, threshold=threshold, apart_below=None, engine=engine)[0]


def predict_links(
    frame: Frames,
    model: dict[str, Any],
    *,
    threshold: float,
    apart_below: float | None = APART_BELOW,
    engine: str = "duckdb",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`predict`, and the blocked pairs scored below ``apart_below`` whose two
    records both appear in a kept pair and whose disagreeing fields weigh
    :data:`APART_EVIDENCE` bits or more against a match (``unique_id_l``,
    ``unique_id_r``): records the model sees as different people, which clustering must
    not chain into one."""
    if not 0.0 <= threshold <= 1.0:
        raise ModelError(f"threshold must be between 0 and 1, not {threshold}")
    if apart_below is not None and not 0.0 <= apart_below <= threshold:
        raise ModelError(f"apart_below must be between 0 and the threshold, not {apart_below}")
    no_apart = pd.DataFrame(columns=["unique_id_l", "unique_id_r"])
    if _rows(frame) < 2:
        return (
            pd.DataFrame(columns=["unique_id_l", "unique_id_r", "match_probability"]),
            no_apart,
        )
    linker = _linker(frame, _copy(model), engine)
    if apart_below is None:
        table = linker.inference.predict(
            threshold_match_probability=threshold
        ).as_pandas_dataframe()
        apart = no_apart
    else:
        scored = linker.inference.predict().physical_name
        table = linker.misc.query_sql(
            f"select * from {scored} where match_probability >= {float(threshold)!r}",
            output_type="pandas",
        )
        against = _evidence_against(model, set(table.columns))
        apart = linker.misc.query_sql(
            f"""
            with kept as (
                select unique_id_l, unique_id_r from {scored}
                where match_probability >= {float(threshold)!r}
            ), ids as (
                select unique_id_l as id from kept union select unique_id_r from kept
            )
            select unique_id_l, unique_id_r from {scored}
            where match_probability < {float(apart_below)!r} and {against}
              and unique_id_l in (select id from ids) and unique_id_r in (select id from ids)
            """,
            output_type="pandas",
        )
    return _tidy(table), apart


def _evidence_against(model: dict[str, Any], columns: set[str]) -> str:
    """The SQL condition "the fields that disagree weigh :data:`APART_EVIDENCE` bits or
    more against a match", over the scored pairs' ``mw_<field>`` columns; true when the
    model keeps no weights per field (a low probability must then do)."""
    weights = [
        f"mw_{c['output_column_name']}"
        for c in model["comparisons"]
        if f"mw_{c['output_column_name']}" in columns
    ]
    if not weights:
        return "true"
    total = " + ".join(f"least(coalesce({w}, 0), 0)" for w in weights)
    return f"({total}) <= {-APART_EVIDENCE!r}"


def _tidy(table: pd.DataFrame) -> pd.DataFrame:
    keep = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
    keep += [c for c in table.columns if c.startswith("mw_")]
    table = table[keep]
    swap = table["unique_id_l"] > table["unique_id_r"]
    if swap.any():
        left = table.loc[swap, "unique_id_l"].copy()
        table.loc[swap, "unique_id_l"] = table.loc[swap, "unique_id_r"]
        table.loc[swap, "unique_id_r"] = left
    return table.reset_index(drop=True)


def _copy(model: dict[str, Any]) -> dict[str, Any]:
    import copy

    return copy.deepcopy(model)


def level_labels(model: dict[str, Any]) -> dict[str, dict[int, str]]:
    """For each compared field, the label of each ``gamma`` value (for evidence)."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        field: dict[int, str] = {}
        rank = len([lv for lv in levels if not lv.get("is_null_level")]) - 1
        for level in levels:
            if level.get("is_null_level"):
                field[-1] = "no data"
            else:
                field[rank] = level.get("label_for_charts") or level.get("sql_condition", "")
                rank -= 1
        labels[comparison["output_column_name"]] = field
    return labels
