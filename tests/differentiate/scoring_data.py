"""A small, fixed purchase history for the scoring-run tests, as Arrow tables (engine
tests) or as import files (tests through the database and the ``idic`` commands).

64 customers: 60 buyers who start in 2023 and buy until they drop out (BG/NBD's
story) or until 2024-12-31, customer 7 with three receipts on 2024-06-01 (one purchase day), customer 5
with a single purchase, customer 60 buying only after 2024-10-01, and customers 61–64
who never bought. Times are business-local; a third of the orders have no cost;
interactions carry staff minutes (some without a duration).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa

AS_OF = dt.date(2024, 9, 30)
LATER = dt.date(2024, 12, 31)
BUYERS = 60
CUSTOMERS = 64
START = dt.datetime.combine(dt.date(2023, 1, 1), dt.time())  # naive: business-local time


def transactions() -> list[tuple[int, dt.datetime, float, float | None]]:
    """``(customer, local time, amount, cost or None)`` rows, fixed by a seed.

    Drawn the way BG/NBD tells it: each customer buys at their own rate (one purchase
    every 20–120 days on average) and after each purchase stops for good with their own
    probability (mostly small, for some large); spend levels differ by customer.
    """
    rng = np.random.default_rng(4)
    rows: list[tuple[int, dt.datetime, float, float | None]] = []
    for customer in range(1, BUYERS + 1):
        gap = float(rng.gamma(2.0, 30.0))
        dropout = float(rng.beta(1.0, 5.0))
        level = float(rng.gamma(3.0, 60.0))  # this customer's typical order
        day = 640 + int(rng.integers(0, 30)) if customer == 60 else int(rng.integers(0, 200))
        days: list[int] = []
        while day <= 729 and day not in days:
            days.append(day)
            if customer == 5 or rng.random() < dropout:
                break
            day += 1 + int(rng.exponential(gap))
        for d in days:
            when = START + dt.timedelta(days=d, minutes=int(rng.integers(480, 1300)))
            amount = round(float(rng.gamma(5.0, level / 5.0)), 2)
            cost = None if rng.random() < 0.33 else round(amount * float(rng.uniform(0.4, 0.8)), 2)
            rows.append((customer, when, amount, cost))
    for minute, amount in ((540, 10.0), (1050, 20.5), (1439, 30.25)):
        when = dt.datetime.combine(dt.date(2024, 6, 1), dt.time()) + dt.timedelta(minutes=minute)
        rows.append((7, when, amount, None))
    return rows


def interactions() -> list[tuple[int, dt.datetime, int | None]]:
    """``(customer, local time, duration in seconds or None)`` rows."""
    rng = np.random.default_rng(5)
    rows = []
    for k in range(90):
        customer = int(rng.integers(1, CUSTOMERS + 1))
        when = START + dt.timedelta(days=int(rng.integers(0, 729)), hours=10)
        duration = None if k % 5 == 0 else int(rng.integers(60, 1800))
        rows.append((customer, when, duration))
    return rows


def arrow_tables() -> dict[str, pa.Table]:
    """The data as the engine tables of :mod:`idic.analytics.services` describes them."""
    tx = transactions()
    it = interactions()
    return {
        "transactions": pa.table(
            {
                "customer_id": pa.array([r[0] for r in tx], pa.int64()),
                "ts": pa.array([r[1] for r in tx], pa.timestamp("us")),
                "amount": pa.array([r[2] for r in tx], pa.float64()),
                "cost": pa.array([r[3] for r in tx], pa.float64()),
            }
        ),
        "customers": pa.table(
            {
                "customer_id": pa.array(range(1, CUSTOMERS + 1), pa.int64()),
                "status": ["actual"] * CUSTOMERS,
                "kind": [
                    "industrial" if c % 9 == 0 else "consumer" for c in range(1, CUSTOMERS + 1)
                ],
                "party_type": ["person"] * CUSTOMERS,
                "created_at": pa.array([START] * CUSTOMERS, pa.timestamp("us")),
            }
        ),
        "interactions": pa.table(
            {
                "customer_id": pa.array([r[0] for r in it], pa.int64()),
                "ts": pa.array([r[1] for r in it], pa.timestamp("us")),
                "channel": ["phone"] * len(it),
                "direction": ["inbound"] * len(it),
                "duration_seconds": pa.array([r[2] for r in it], pa.int64()),
            }
        ),
    }


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def import_files(folder: Path) -> dict[str, Path]:
    """The data as the three import files (customer ``n`` is source record ``shop:S<n>``)."""
    customers = [
        ["shop", f"S{c}", f"客户{c}", "industrial" if c % 9 == 0 else "consumer"]
        for c in range(1, CUSTOMERS + 1)
    ]
    orders = [
        ["shop", f"S{c}", f"O{k}", ts.strftime("%Y-%m-%d %H:%M"), f"{amount:.2f}",
         "" if cost is None else f"{cost:.2f}"]
        for k, (c, ts, amount, cost) in enumerate(transactions())
    ]  # fmt: skip
    contacts = [
        ["shop", f"S{c}", f"I{k}", ts.strftime("%Y-%m-%d %H:%M"), "phone",
         "" if d is None else str(d)]
        for k, (c, ts, d) in enumerate(interactions())
    ]  # fmt: skip
    return {
        "customers": _write(
            folder / "customers.csv", ["source", "source_id", "name", "kind"], customers
        ),
        "transactions": _write(
            folder / "transactions.csv",
            ["source", "source_id", "order_id", "ts", "amount", "cost"],
            orders,
        ),
        "interactions": _write(
            folder / "interactions.csv",
            ["source", "source_id", "interaction_id", "ts", "channel", "duration_seconds"],
            contacts,
        ),
    }
