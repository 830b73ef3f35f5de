"""The CDNOW sample (2,357 customers) that ships inside the installed ``lifetimes`` package.

``CDNOW_sample.txt`` is whitespace separated with CRLF line ends: master customer id, sample
customer id (1..2357), date YYYYMMDD, CDs bought, dollar amount. It is read by path so that
``lifetimes.datasets`` (which needs ``pkg_resources``) is never imported.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from idic.differentiate.btyd import CustomerSummary, summarise

CALIBRATION_END = dt.date(1997, 9, 30)


@dataclass(frozen=True)
class Transactions:
    """The raw CDNOW sample as arrays, one entry per transaction."""

    customer_ids: NDArray[np.int64]
    dates: NDArray[np.datetime64]
    quantities: NDArray[np.int64]
    amounts: NDArray[np.float64]


def sample_path() -> Path:
    """Path of CDNOW_sample.txt inside the installed lifetimes package."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the lifetimes package (dev dependency) is not installed")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "CDNOW_sample.txt"


@cache
def transactions() -> Transactions:
    """All 6,919 transactions of the CDNOW sample."""
    fields = np.loadtxt(sample_path(), dtype=str, ndmin=2)
    dates = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in fields[:, 2]], dtype="datetime64[D]")
    return Transactions(
        customer_ids=fields[:, 1].astype(np.int64),
        dates=dates,
        quantities=fields[:, 3].astype(np.int64),
        amounts=fields[:, 4].astype(np.float64),
    )


@cache
def weekly_summary() -> CustomerSummary:
    """Weekly calibration summary to 1997-09-30, as in Fader, Hardie & Lee (2005)."""
    data = transactions()
    return summarise(
        data.customer_ids,
        data.dates,
        data.amounts,
        calibration_end=CALIBRATION_END,
        unit_days=7,
    )
