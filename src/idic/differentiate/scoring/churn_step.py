"""Churn risk: a model trained on the run's own history with an out-of-time AUC
(:func:`idic.differentiate.churn.churn_time_split`), applied to every customer's
features at as_of."""

from __future__ import annotations

import ibis.expr.types as ir
import pyarrow as pa

from idic.differentiate.churn import churn_time_split, predict_churn
from idic.differentiate.churn_features import churn_features
from idic.differentiate.scoring.context import Context


def churn_step(ctx: Context) -> ir.Table | None:
    """Probability that each customer buys nothing in the next ``churn_window_days``.

    Skipped (column left empty) when ``train_churn`` is false; when the history is too
    short or one-sided to train on, the run goes on with a warning.
    """
    if not ctx.params.train_churn:
        return None
    t, window = ctx.tables["transactions"], ctx.params.churn_window_days
    try:
        model = churn_time_split(t, as_of=ctx.as_of, window_days=window)
    except ValueError as exc:
        ctx.warnings.append(f"churn model not trained: {exc}")
        return None
    ctx.model_parameters["churn"] = model.summary()
    features = ctx.fetch(churn_features(t, cutoff_date=ctx.as_of, window_days=window)).to_pandas()
    risk = predict_churn(model, features)
    return ctx.put("churn", pa.Table.from_pandas(risk, preserve_index=False))
