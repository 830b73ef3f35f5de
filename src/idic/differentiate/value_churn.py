"""The value × churn-risk matrix (002:L227–239), as Ibis expressions.

The text crosses a value segmentation with a churn warning model and gives each
cell its own retention strategy; its "AD" group is high value with low churn
risk (keep them, cultivate word of mouth) and its "BD" group high value with high
risk (invest now before a competitor takes them). Here the matrix is 2 × 2 or
3 × 3 (or 2 × 3, 3 × 2), its cuts as data (:class:`ValueChurnRules`):

- value level by customer share of the value ranking: with ``value_top_pct =
  (20,)`` the top 20 % are "high" and the rest "low"; with ``(20, 50)`` the top
  20 % "high", the next 30 % "mid", the rest "low". A customer is in the first
  level whose cumulative share exceeds the share of customers with a strictly
  higher value (values rounded to ``precision`` decimals; ties stay together);
- risk level by churn probability: with ``risk_cuts = (0.5,)`` a risk of at
  least 0.5 is "high", below "low"; with ``(0.3, 0.6)``: >= 0.6 "high", >= 0.3
  "mid", else "low".

``priority`` orders the cells for action: value first, then risk, both from high
to low, so 1 is high value & high risk (the text's BD group), then high value &
lower risk, and so on.

Inputs: ``value(customer_id int64, <value column> numeric)`` and
``risk(customer_id int64, churn_risk float64 in [0, 1])``; customers present in
both are placed.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from idic.differentiate.grading_input import check_columns, money_units, percent_hundredths

_LEVELS = {2: ("high", "low"), 3: ("high", "mid", "low")}


@dataclass(frozen=True)
class ValueChurnRules:
    """Cuts of the matrix: value by top customer shares (%), risk by probabilities."""

    value_top_pct: tuple[float, ...] = (20.0,)
    risk_cuts: tuple[float, ...] = (0.5,)

    def validate(self) -> list[int]:
        """Check the cuts; return the cumulative value shares in hundredths of a percent."""
        if len(self.value_top_pct) not in (1, 2) or len(self.risk_cuts) not in (1, 2):
            raise ValueError(
                "value_top_pct and risk_cuts need one cut (2 levels) or two (3 levels), got "
                f"{self.value_top_pct} and {self.risk_cuts}"
            )
        shares = [percent_hundredths(p, "value_top_pct") for p in self.value_top_pct]
        if shares != sorted(set(shares)) or shares[-1] >= 10_000:
            raise ValueError(
                f"value_top_pct must rise and stay below 100, got {self.value_top_pct}"
            )
        cuts = list(self.risk_cuts)
        if cuts != sorted(set(cuts)) or not all(0 < c < 1 for c in cuts):
            raise ValueError(f"risk_cuts must rise strictly within (0, 1), got {self.risk_cuts}")
        return shares


DEFAULT_VALUE_CHURN_RULES = ValueChurnRules()


def value_churn_matrix(
    value: ir.Table,
    churn_risk: ir.Table,
    *,
    value_column: str = "value",
    rules: ValueChurnRules = DEFAULT_VALUE_CHURN_RULES,
    precision: int = 2,
) -> ir.Table:
    """Each customer's cell of the value × churn matrix.

    Returns ``customer_id, value, churn_risk, value_level, risk_level, cell,
    priority`` where ``cell`` reads e.g. ``"high value / high risk"``.
    """
    shares = rules.validate()
    check_columns(value, {"customer_id": "integer", value_column: "numeric"}, name="value")
    check_columns(
        churn_risk, {"customer_id": "integer", "churn_risk": "numeric"}, name="churn risk"
    )
    bad = churn_risk.aggregate(
        n=churn_risk.count(
            where=churn_risk.churn_risk.isnull()
            | (churn_risk.churn_risk < 0)
            | (churn_risk.churn_risk > 1)
        )
    )
    n_bad = bad.to_pyarrow().to_pylist()[0]["n"]
    if n_bad:
        raise ValueError(
            f"{n_bad} churn risk(s) are missing or outside [0, 1]; a churn risk is a probability"
        )
    risk = churn_risk.select(_rid=churn_risk.customer_id, churn_risk=churn_risk.churn_risk)
    joined = value.inner_join(risk, value.customer_id == risk._rid)
    t = joined.select(
        "customer_id",
        value=joined[value_column].cast("float64"),
        churn_risk=joined.churn_risk.cast("float64"),
    )
    key = money_units(t.value, precision)
    t = t.mutate(_ahead=ibis.rank().over(order_by=key.desc()), _n=t.customer_id.count().over())
    value_names = _LEVELS[len(shares) + 1]
    risk_names = _LEVELS[len(rules.risk_cuts) + 1]
    value_index = ibis.cases(
        *[(t._ahead * 10_000 < t._n * c, ibis.literal(i)) for i, c in enumerate(shares)],
        else_=ibis.literal(len(shares)),
    )
    risk_index = ibis.cases(
        *[
            (t.churn_risk >= cut, ibis.literal(i))
            for i, cut in enumerate(sorted(rules.risk_cuts, reverse=True))
        ],
        else_=ibis.literal(len(rules.risk_cuts)),
    )
    t = t.mutate(_vi=value_index.cast("int64"), _ri=risk_index.cast("int64"))
    value_level = ibis.cases(*[(t._vi == i, ibis.literal(n)) for i, n in enumerate(value_names)])
    risk_level = ibis.cases(*[(t._ri == i, ibis.literal(n)) for i, n in enumerate(risk_names)])
    return t.select(
        "customer_id",
        "value",
        "churn_risk",
        value_level=value_level,
        risk_level=risk_level,
        cell=value_level.concat(" value / ", risk_level, " risk"),
        priority=(t._vi * len(risk_names) + t._ri + 1).cast("int64"),
    )


def value_churn_summary(matrix: ir.Table) -> ir.Table:
    """Cells of a :func:`value_churn_matrix` result with ``customers, value, mean_risk``,
    in priority order (high value & high risk first)."""
    g = matrix.group_by(["priority", "cell", "value_level", "risk_level"]).aggregate(
        customers=matrix.count(),
        value=matrix.value.sum(),
        mean_risk=matrix.churn_risk.mean(),
    )
    return g.order_by("priority")
