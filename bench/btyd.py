"""Benchmark IDIC's BTYD fits against the lifetimes package on the CDNOW sample.

Fits BG/NBD, Gamma-Gamma and Pareto/NBD on the 2,357-customer CDNOW cohort (weekly summary,
calibration to 1997-09-30) with ``idic.differentiate.btyd`` and with lifetimes 0.11.3, and
prints one JSON line: parameters, fit seconds (median of several runs), the speed ratio
(lifetimes seconds / IDIC seconds, so > 1 means IDIC is faster) and the largest absolute
parameter difference. A lifetimes fitter that cannot run is reported as an error string.

Run: ``uv run --frozen python bench/btyd.py [--repeats N]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from idic.differentiate.btyd import (
    CustomerSummary,
    ParetoNBDParams,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_pareto_nbd,
    probability_alive,
    summarise,
)
from idic.differentiate.btyd.pareto_nbd import log_likelihood as pareto_log_likelihood

CALIBRATION_END = "1997-09-30"


def cdnow_summary() -> CustomerSummary:
    """Weekly summary of CDNOW_sample.txt, read by path from the installed lifetimes package."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("lifetimes is not installed; it ships the CDNOW sample")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "CDNOW_sample.txt"
    fields = np.loadtxt(path, dtype=str, ndmin=2)
    dates = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in fields[:, 2]], dtype="datetime64[D]")
    return summarise(
        fields[:, 1].astype(np.int64),
        dates,
        fields[:, 4].astype(np.float64),
        calibration_end=CALIBRATION_END,
        unit_days=7,
    )


def timed(fit: Callable[[], Any], repeats: int) -> tuple[Any, float]:
    """Run ``fit`` ``repeats`` times; return the last result and the median wall seconds."""
    seconds, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = fit()
        seconds.append(time.perf_counter() - began)
    return result, statistics.median(seconds)


def compare(
    ours: Callable[[], dict[str, float]],
    theirs: Callable[[], dict[str, float]],
    repeats: int,
) -> dict[str, Any]:
    """Fit with both libraries and summarise parameters, times and differences."""
    our_params, our_seconds = timed(ours, repeats)
    entry: dict[str, Any] = {"idic": {"params": our_params, "seconds": round(our_seconds, 5)}}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            their_params, their_seconds = timed(theirs, repeats)
    except Exception as exc:  # lifetimes is unmaintained; report rather than crash
        entry["lifetimes"] = {"error": f"{type(exc).__name__}: {exc}"}
        return entry
    entry["lifetimes"] = {"params": their_params, "seconds": round(their_seconds, 5)}
    entry["speed_ratio_lifetimes_over_idic"] = round(their_seconds / our_seconds, 2)
    entry["max_abs_param_diff"] = max(abs(our_params[k] - their_params[k]) for k in our_params)
    return entry


def main() -> None:
    """Run the benchmark and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="fits per library and model")
    repeats = parser.parse_args().repeats

    summary = cdnow_summary()
    x, tx, age, m = summary.frequency, summary.recency, summary.T, summary.monetary
    repeat = x > 0

    def our_bgnbd() -> dict[str, float]:
        p = fit_bgnbd(x, tx, age)
        return {"r": p.r, "alpha": p.alpha, "a": p.a, "b": p.b}

    def our_gamma_gamma() -> dict[str, float]:
        p = fit_gamma_gamma(x, m)
        return {"p": p.p, "q": p.q, "gamma": p.gamma}

    def our_pareto() -> dict[str, float]:
        p = fit_pareto_nbd(x, tx, age)
        return {"r": p.r, "alpha": p.alpha, "s": p.s, "beta": p.beta}

    lifetimes_import: dict[str, Any] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pandas as pd
            from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
        lifetimes_import = {"ok": True}
    except Exception as exc:
        lifetimes_import = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}

    def their_bgnbd() -> dict[str, float]:
        fitter = BetaGeoFitter().fit(pd.Series(x), pd.Series(tx), pd.Series(age))
        return {k: float(fitter.params_[k]) for k in ("r", "alpha", "a", "b")}

    def their_gamma_gamma() -> dict[str, float]:
        fitter = GammaGammaFitter().fit(pd.Series(x[repeat]), pd.Series(m[repeat]))
        params = fitter.params_
        return {"p": float(params["p"]), "q": float(params["q"]), "gamma": float(params["v"])}

    def their_pareto() -> dict[str, float]:
        fitter = ParetoNBDFitter().fit(pd.Series(x), pd.Series(tx), pd.Series(age))
        return {k: float(fitter.params_[k]) for k in ("r", "alpha", "s", "beta")}

    def unavailable() -> dict[str, float]:
        raise RuntimeError(lifetimes_import.get("error", "lifetimes unavailable"))

    report: dict[str, Any] = {
        "dataset": {
            "name": "CDNOW_sample",
            "customers": len(summary),
            "repeat_buyers": int(repeat.sum()),
            "calibration_end": CALIBRATION_END,
            "unit_days": 7,
        },
        "repeats": repeats,
        "lifetimes_version": _version("lifetimes"),
    }
    ok = lifetimes_import["ok"]
    report["bgnbd"] = compare(our_bgnbd, their_bgnbd if ok else unavailable, repeats)
    report["gamma_gamma"] = compare(
        our_gamma_gamma, their_gamma_gamma if ok else unavailable, repeats
    )
    report["pareto_nbd"] = compare(our_pareto, their_pareto if ok else unavailable, repeats)
    report["heavy_buyers"] = heavy_buyers(ok)
    print(json.dumps(report, separators=(",", ":")))


def heavy_buyers(lifetimes_ok: bool) -> dict[str, Any]:
    """Non-finite Pareto/NBD log-likelihoods on a random grid of heavy buyers, per library."""
    rng = np.random.default_rng(0)
    n = 2000
    r, alpha, s, beta = np.exp(rng.uniform(np.log(0.05), np.log(20), (4, n)))
    x = rng.choice([10.0, 100.0, 1000.0, 10000.0], n)
    age = rng.uniform(1, 200, n)
    tx = rng.uniform(0, 1, n) * age
    ours, alive = np.empty(n), np.empty(n)
    for i in range(n):
        params = ParetoNBDParams(r=r[i], alpha=alpha[i], s=s[i], beta=beta[i])
        ours[i] = pareto_log_likelihood(params, x[i : i + 1], tx[i : i + 1], age[i : i + 1])[0]
        alive[i] = probability_alive(params, x[i : i + 1], tx[i : i + 1], age[i : i + 1])[0]
    result: dict[str, Any] = {
        "cases": n,
        "idic_non_finite_log_likelihood": int((~np.isfinite(ours)).sum()),
        "idic_p_alive_all_in_0_1": bool(np.all((alive >= 0) & (alive <= 1))),
    }
    if lifetimes_ok:
        from lifetimes import ParetoNBDFitter

        theirs = np.empty(n)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            for i in range(n):
                theirs[i] = ParetoNBDFitter._conditional_log_likelihood(
                    (r[i], alpha[i], s[i], beta[i]), x[i : i + 1], tx[i : i + 1], age[i : i + 1]
                )[0]
        both = np.isfinite(theirs) & np.isfinite(ours)
        result["lifetimes_non_finite_log_likelihood"] = int((~np.isfinite(theirs)).sum())
        result["max_rel_diff_where_both_finite"] = float(
            np.max(np.abs(ours[both] - theirs[both]) / np.maximum(1.0, np.abs(ours[both])))
        )
    return result


def _version(package: str) -> str | None:
    """Installed version of ``package``, or None."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    main()
