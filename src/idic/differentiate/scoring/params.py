"""Parameters of a scoring run: defaults, validation, and their JSON form."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal

from idic.differentiate.pyramid import DEFAULT_ABC, DEFAULT_PYRAMID, Grade, cumulative_hundredths


@dataclass(frozen=True)
class ScoringParams:
    """What a scoring run computes and how.

    Attributes:
        value_window_days: deciles, pyramid, ABC and the value reports grade spend in the
            last N days up to as_of; ``None`` grades all spend up to as_of.
        rfm_monetary: RFM monetary is ``total`` spend or ``average`` spend per purchase day.
        pyramid: tier names and customer shares (%), top tier first.
        abc: class names and shares (%), first class first.
        abc_basis: ABC shares are of cumulative ``revenue`` or of ``customers``.
        time_unit_days: the BTYD models' time unit (7 = weeks, as in the literature).
        horizon_days: expected purchases are counted over the next N days.
        clv_periods: CLV sums this many future periods …
        clv_period_days: … each this many days long (a quarter by default) …
        discount_rate: … each discounted at this rate per period (0.03 = 3 % a quarter,
            about 12.6 % a year).
        margin: share of spend kept as profit for CLV; ``None`` takes the share of all
            spend up to as_of that was profit (lines without a cost at ``default_margin``).
        default_margin: profit share assumed for a line without a cost (historical value,
            NPV, and the measured CLV margin).
        npv_horizon, npv_rate, npv_period_days, npv_lookback_periods, npv_serving_cost:
            the NPV lifetime value's T, i, period, history used, and serving cost per period
            (see :func:`idic.differentiate.value.npv_value`).
        value_potential_segment: the customers column whose groups set the potential value
            of the value matrix (``kind``, ``party_type`` or ``status``).
        activity_window_days, activity_by: recent window and mode of the activity classes.
        train_churn: train the churn model and score churn risk (False leaves
            ``churn_risk`` empty, e.g. in benchmarks of everything else).
        churn_window_days: churn means no purchase in this many days after a cut-off.
        proxy_model: indicators of the proxy score as data (see
            :mod:`idic.differentiate.scoring.proxy_step`); ``None`` uses the default model.
        fit_sample: fit BG/NBD and Gamma-Gamma on at most this many customers (a seeded
            random sample; 50,000 customers pin the parameters to about 1-2 %); every
            customer is scored with the fitted parameters. ``None`` fits on all.
        seed: seed of that sample.
        pnbd_fit_sample, pnbd_max_iterations: Pareto/NBD is fitted on at most this many
            customers (the same kind of seeded sample; ``None`` fits on all) in at most
            this many gradient steps. Its likelihood needs a hypergeometric function per
            customer, so it costs far more than BG/NBD's; a fit that has not converged
            within the steps is used with a warning.
    """

    value_window_days: int | None = None
    rfm_monetary: Literal["total", "average"] = "total"
    pyramid: tuple[Grade, ...] = DEFAULT_PYRAMID
    abc: tuple[Grade, ...] = DEFAULT_ABC
    abc_basis: Literal["revenue", "customers"] = "revenue"
    time_unit_days: float = 7.0
    horizon_days: int = 365
    clv_periods: int = 4
    clv_period_days: float = 365.25 / 4
    discount_rate: float = 0.03
    margin: float | None = None
    fit_sample: int | None = 50_000
    seed: int = 20241122
    pnbd_fit_sample: int | None = 1_000
    pnbd_max_iterations: int = 200
    default_margin: float = 0.25
    npv_horizon: int = 5
    npv_rate: float = 0.08
    npv_period_days: int = 365
    npv_lookback_periods: int = 3
    npv_serving_cost: float = 0.0
    value_potential_segment: Literal["kind", "party_type", "status"] = "kind"
    activity_window_days: int = 90
    activity_by: Literal["share", "threshold"] = "share"
    proxy_model: tuple[dict[str, Any], ...] | None = None
    train_churn: bool = True
    churn_window_days: int = 90

    def __post_init__(self) -> None:
        if self.value_window_days is not None and self.value_window_days < 1:
            raise ValueError(
                f"value_window_days must be at least 1 day or None (all history), "
                f"not {self.value_window_days}"
            )
        if self.rfm_monetary not in ("total", "average"):
            raise ValueError(
                f"rfm_monetary must be 'total' or 'average', not {self.rfm_monetary!r}"
            )
        if self.abc_basis not in ("revenue", "customers"):
            raise ValueError(f"abc_basis must be 'revenue' or 'customers', not {self.abc_basis!r}")
        cumulative_hundredths(self.pyramid)
        cumulative_hundredths(self.abc)
        for name in ("time_unit_days", "clv_period_days"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number of days, not {value!r}")
        if self.horizon_days < 1 or self.clv_periods < 1:
            raise ValueError("horizon_days and clv_periods must be at least 1")
        if not (math.isfinite(self.discount_rate) and self.discount_rate >= 0):
            raise ValueError(f"discount_rate must be >= 0 (0.01 = 1 %), not {self.discount_rate!r}")
        if self.margin is not None and not 0 <= self.margin <= 1:
            raise ValueError(f"margin must be a share between 0 and 1, not {self.margin!r}")
        if not 0 <= self.default_margin <= 1:
            raise ValueError(
                f"default_margin must be a share between 0 and 1, not {self.default_margin!r}"
            )
        if self.value_potential_segment not in ("kind", "party_type", "status"):
            raise ValueError(
                "value_potential_segment must be 'kind', 'party_type' or 'status', "
                f"not {self.value_potential_segment!r}"
            )
        for name in ("fit_sample", "pnbd_fit_sample"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 100
            ):
                raise ValueError(
                    f"{name} must be a whole number of at least 100 customers or null, "
                    f"not {value!r}"
                )
        for name in (
            "activity_window_days",
            "churn_window_days",
            "npv_period_days",
            "npv_lookback_periods",
            "pnbd_max_iterations",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
        if isinstance(self.npv_horizon, bool) or not isinstance(self.npv_horizon, int):
            raise ValueError(
                f"npv_horizon must be a whole number of periods, not {self.npv_horizon!r}"
            )
        if self.npv_horizon < 0:
            raise ValueError(f"npv_horizon must be 0 or more periods, not {self.npv_horizon}")
        for name in ("npv_rate", "npv_serving_cost"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a number of 0 or more, not {value!r}")
        if self.activity_by not in ("share", "threshold"):
            raise ValueError(
                f"activity_by must be 'share' or 'threshold', not {self.activity_by!r}"
            )
        if self.proxy_model is not None:
            from idic.differentiate.scoring.proxy_step import model_from_data

            model_from_data(self.proxy_model)  # refuse a bad model before any data is read

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None) -> ScoringParams:
        """Parameters from their JSON form; unknown names are refused (a typo must not be
        ignored)."""
        values = dict(values or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"unknown scoring parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        for name in ("pyramid", "abc"):
            if name in values:
                values[name] = tuple(Grade(str(n), float(s)) for n, s in values[name])
        if values.get("proxy_model") is not None:
            model = values["proxy_model"]
            if isinstance(model, list):
                values["proxy_model"] = tuple(
                    dict(item) if isinstance(item, dict) else item for item in model
                )
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form stored with the run."""
        out = dataclasses.asdict(self)
        out["pyramid"] = [[g.name, g.share_pct] for g in self.pyramid]
        out["abc"] = [[g.name, g.share_pct] for g in self.abc]
        out["proxy_model"] = None if self.proxy_model is None else list(self.proxy_model)
        return out
