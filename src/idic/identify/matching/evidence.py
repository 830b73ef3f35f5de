"""Why two records were matched: each compared field's level and weight of evidence.

A scored pair carries one ``mw_<field>`` weight per field (bits; above 0 the field
agreed, below 0 it disagreed, 0 no data on one side). :class:`Explainer` turns those
weights back into the level a person can read ("same pinyin", "month and day
swapped") using the trained model, and lists the fields that agreed and disagreed.
Values themselves are never copied into the evidence, so it holds no personal data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

_TOLERANCE = 0.01  # bits: a weight is its level's log2(m/u)


def _level_weights(model: Mapping[str, Any]) -> dict[str, list[tuple[float, str]]]:
    found: dict[str, list[tuple[float, str]]] = {}
    for comparison in model["comparisons"]:
        levels = []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            if isinstance(m, int | float) and isinstance(u, int | float) and m > 0 and u > 0:
                label = level.get("label_for_charts") or level.get("sql_condition", "")
                levels.append((math.log2(m / u), label))
        found[comparison["output_column_name"]] = levels
    return found


class Explainer:
    """Reads a scored pair's ``mw_`` weights as evidence, for one trained model."""

    def __init__(self, model: Mapping[str, Any]) -> None:
        self.levels = _level_weights(model)
        self.fields = list(self.levels)

    def level(self, field: str, weight: float) -> str:
        """The label of the level a field's weight stands for; "no data" for a weight of
        0 that no level has (a value missing on one side)."""
        if math.isnan(weight):
            return "no data"
        best = min(self.levels.get(field, ()), key=lambda wl: abs(wl[0] - weight), default=None)
        if best is None or abs(best[0] - weight) > _TOLERANCE:
            return "no data" if weight == 0 else f"weight {weight:+.1f}"
        return best[1]

    def explain(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Evidence of one pair: probability, weight, and per field level and weight."""
        fields: dict[str, dict[str, Any]] = {}
        agreed, disagreed = [], []
        for field in self.fields:
            weight = float(row.get(f"mw_{field}", 0.0) or 0.0)
            adjust = float(row.get(f"mw_tf_adj_{field}", 0.0) or 0.0)
            if math.isnan(adjust):
                adjust = 0.0
            fields[field] = {
                "level": self.level(field, weight),
                "weight": round(weight + adjust, 2),
            }
            if weight > 0:
                agreed.append(field)
            elif weight < 0:
                disagreed.append(field)
        return {
            "probability": round(float(row["match_probability"]), 6),
            "match_weight": round(float(row.get("match_weight", 0.0)), 2),
            "agreed": agreed,
            "disagreed": disagreed,
            "fields": fields,
        }
