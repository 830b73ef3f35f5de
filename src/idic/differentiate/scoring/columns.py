"""The columns of a customer's score snapshot, in export order, with their Ibis types."""

from __future__ import annotations

SCORE_COLUMNS: dict[str, str] = {
    "customer_id": "int64",
    "recency_days": "int64",
    "frequency": "int64",
    "monetary": "float64",
    "r": "int64",
    "f": "int64",
    "m": "int64",
    "rfm_segment": "string",
    "decile": "int64",
    "pyramid_tier": "string",
    "abc_class": "string",
    "historical_value": "float64",
    "npv_value": "float64",
    "expected_purchases": "float64",
    "p_alive": "float64",
    "expected_avg_spend": "float64",
    "clv": "float64",
    "value_class": "string",
    "loyalty_class": "string",
    "activity_class": "string",
    "lifecycle_stage": "string",
    "churn_risk": "float64",
    "proxy_score": "float64",
    "proxy_rank": "int64",
    "proxy_rank_change": "int64",
    # added after the first release: exported after the columns above
    "r_rate": "int64",
    "pnbd_expected_purchases": "float64",
    "pnbd_p_alive": "float64",
}

# money columns: exported to the cent (the snapshot keeps the engine's float, so that
# engines that differ in the last bit of a sum do not round to different cents)
MONEY_COLUMNS = frozenset(
    {"monetary", "historical_value", "npv_value", "expected_avg_spend", "clv"}
)
