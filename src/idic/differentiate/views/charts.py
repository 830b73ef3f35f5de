"""Geometry of the dashboard's charts, drawn by the templates as inline SVG.

Each function takes report rows and returns coordinates, tick marks and labels in SVG
user units; the templates only place them, and the colours come from the style sheet
(classes such as ``chart-bar`` and ``tier-gold``), so no chart library is needed.
"""

from __future__ import annotations

import math
from typing import Any

TIER_ORDER = ("platinum", "gold", "iron", "lead")


def _nice_ceiling(value: float) -> float:
    """The smallest of 10, 20, 25, 50, 100 × 10^k at or above ``value`` (> 0)."""
    if value <= 0:
        return 10.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def pyramid(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The customer pyramid: one band per tier, platinum at the top, equal heights."""
    width, height, top = 300.0, 220.0, 10.0
    tiers = sorted(rows, key=lambda r: r.get("tier_rank") or 99)
    count = max(len(tiers), 1)
    band = (height - top) / count
    centre = width / 2
    bands = []
    for i, row in enumerate(tiers):
        y0, y1 = top + i * band, top + (i + 1) * band
        half0 = centre * (y0 - top) / (height - top)
        half1 = centre * (y1 - top) / (height - top)
        gap = 1.5
        points = [
            (centre - half0, y0 + gap),
            (centre + half0, y0 + gap),
            (centre + half1, y1),
            (centre - half1, y1),
        ]
        bands.append(
            {
                **row,
                "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
                "label_y": round((y0 + y1) / 2 + 5, 1),
                "inside": half1 > 60,
                "index": i,
            }
        )
    return {"width": width, "height": height + 4, "centre": centre, "bands": bands}


def decile_bars(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Share of spend per decile as bars, with the cumulative share as a line (a Pareto
    chart); left axis the share of one decile, right axis the cumulative 0–100 %."""
    left, right, top, bottom = 44.0, 44.0, 14.0, 34.0
    width, height = 900.0, 260.0
    plot_w, plot_h = width - left - right, height - top - bottom
    most = max((float(r.get("spend_share_pct") or 0) for r in rows), default=0.0)
    ceiling = _nice_ceiling(most)
    slot = plot_w / max(len(rows), 1)
    bars, line = [], []
    for i, row in enumerate(rows):
        share = float(row.get("spend_share_pct") or 0)
        h = plot_h * share / ceiling
        x = left + i * slot
        cumulative = float(row.get("cumulative_share_pct") or 0)
        cy = top + plot_h * (1 - cumulative / 100)
        line.append(f"{x + slot / 2:.1f},{cy:.1f}")
        bars.append(
            {
                "decile": row.get("decile"),
                "x": round(x + slot * 0.15, 1),
                "y": round(top + plot_h - h, 1),
                "w": round(slot * 0.7, 1),
                "h": round(h, 1),
                "cx": round(x + slot / 2, 1),
                "cy": round(cy, 1),
                "share": share,
                "cumulative": cumulative,
            }
        )
    ticks = [
        {"y": round(top + plot_h * (1 - k / 5), 1), "left": ceiling * k / 5, "right": 20 * k}
        for k in range(6)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right_x": width - right,
        "top": top,
        "base": top + plot_h,
        "label_y": top + plot_h + 18,
        "axis_title_y": height - 2,
        "bars": bars,
        "line": " ".join(line),
        "ticks": ticks,
    }


def lorenz(points: list[dict[str, Any]]) -> dict[str, Any]:
    """The Lorenz curve in a square plot: customers (poorest first) across, cumulative
    share of value up; the diagonal is perfect equality, the shaded gap the Gini area."""
    left, top, size = 46.0, 12.0, 260.0
    width, height = left + size + 16, top + size + 40

    def xy(cs: float, vs: float) -> tuple[float, float]:
        return left + size * cs, top + size * (1 - vs)

    curve = [(0.0, 0.0)] + [
        (float(p.get("customer_share") or 0), float(p.get("value_share") or 0)) for p in points
    ]
    if curve[-1] != (1.0, 1.0):
        curve.append((1.0, 1.0))
    coords = [xy(cs, vs) for cs, vs in curve]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    area = line + f" {xy(0, 0)[0]:.1f},{xy(0, 0)[1]:.1f}"
    ticks = [
        {
            "pct": 20 * k,
            "x": round(left + size * k / 5, 1),
            "y": round(top + size * (1 - k / 5), 1),
        }
        for k in range(6)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "top": top,
        "right": left + size,
        "base": top + size,
        "line": line,
        "area": area,
        "ticks": ticks,
        "label_y": top + size + 16,
        "axis_title_y": top + size + 34,
        "mid_x": left + size / 2,
        "mid_y": top + size / 2,
    }


def heat_grid(grid: dict[str, Any]) -> dict[str, Any]:
    """The R × F heat map: rows R 5 (recent) … 1, columns F 1 … 5, shade by count."""
    left, top, cell = 40.0, 8.0, 52.0
    most = max(grid.get("max") or 0, 1)
    cells = []
    for i, row in enumerate(grid["rows"]):
        for j, c in enumerate(row["cells"]):
            n = c["customers"]
            cells.append(
                {
                    "x": left + j * cell,
                    "y": top + i * cell,
                    "size": cell - 3,
                    "tx": left + j * cell + (cell - 3) / 2,
                    "ty": top + i * cell + (cell - 3) / 2 + 5,
                    "n": n,
                    "r": row["r"],
                    "f": c["f"],
                    "opacity": round(0.08 + 0.92 * n / most, 3) if n else 0,
                    "dark": n / most > 0.55,
                }
            )
    return {
        "width": left + 5 * cell + 8,
        "height": top + 5 * cell + 40,
        "cells": cells,
        "rows": [
            {"r": row["r"], "y": top + i * cell + (cell - 3) / 2 + 5}
            for i, row in enumerate(grid["rows"])
        ],
        "cols": [{"f": j + 1, "x": left + j * cell + (cell - 3) / 2} for j in range(5)],
        "col_y": top + 5 * cell + 14,
        "axis_title_y": top + 5 * cell + 34,
        "mid_x": left + 5 * cell / 2,
        "mid_y": top + 5 * cell / 2,
    }


def matrix(data: dict[str, dict[str, int]], order: tuple[str, ...] = ()) -> dict[str, Any]:
    """A from → to count matrix as rows and columns in a stable order, each cell with its
    shade (share of the largest cell) and whether it lies on the diagonal (no change)."""
    keys = set(data) | {k for row in data.values() for k in row}
    ordered = [k for k in order if k in keys] + sorted(keys - set(order) - {"none"})
    if "none" in keys:
        ordered.append("none")
    most = max((n for row in data.values() for n in row.values()), default=0) or 1
    rows: list[dict[str, Any]] = []
    for source in ordered:
        if source not in data:
            continue
        cells: list[dict[str, Any]] = [
            {
                "to": target,
                "n": data[source].get(target, 0),
                "heat": round(data[source].get(target, 0) / most, 3),
                "same": source == target,
            }
            for target in ordered
        ]
        rows.append({"from": source, "cells": cells, "total": sum(c["n"] for c in cells)})
    return {"columns": ordered, "rows": rows}
