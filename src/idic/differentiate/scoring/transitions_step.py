"""Transition events against the previous snapshot: each customer whose lifecycle stage
or pyramid tier differs (:func:`idic.differentiate.lifecycle.stage_transitions`)."""

from __future__ import annotations

import ibis
import pyarrow as pa

from idic.differentiate.lifecycle import stage_transitions
from idic.differentiate.scoring.context import Context

# transition kind -> (step whose result holds the stage, column)
TRANSITION_KINDS = {
    "lifecycle": ("lifecycle", "lifecycle_stage"),
    "tier": ("pyramid", "pyramid_tier"),
}
TRANSITION_SCHEMA = pa.schema(
    [
        ("customer_id", pa.int64()),
        ("kind", pa.string()),
        ("from_stage", pa.string()),
        ("to_stage", pa.string()),
    ]
)


def transitions_step(ctx: Context) -> None:
    """Fill ``ctx.transitions``: customers whose stage appeared or changed since the
    previous run (a customer without a stage then has ``from_stage`` null). Without a
    previous run there are none."""
    previous = ctx.tables.get("previous")
    if previous is None:
        ctx.transitions = TRANSITION_SCHEMA.empty_table()
        return
    parts = []
    for kind, (step, column) in TRANSITION_KINDS.items():
        current = ctx.results.get(step)
        if current is None:
            continue
        before = previous.filter(previous[column].notnull()).select("customer_id", column)
        now = current.filter(current[column].notnull()).select("customer_id", column)
        changed = stage_transitions(before, now, stage_column=column, include_new=True)
        parts.append(
            changed.select(
                "customer_id",
                kind=ibis.literal(kind),
                from_stage=changed.from_stage.cast("string"),
                to_stage=changed.to_stage.cast("string"),
            )
        )
    if not parts:
        ctx.transitions = TRANSITION_SCHEMA.empty_table()
        return
    events = ctx.fetch(ibis.union(*parts).order_by(["kind", "customer_id"]))
    ctx.transitions = events.cast(TRANSITION_SCHEMA)
