"""Synthetic purchase histories for the scoring benchmark, written straight into SQLite.

The demo generator (``idic demo``) makes realistic customer records but only about two
orders per customer, and importing 20 M orders through the checked importer would
take far longer than the scoring run it feeds. So this module draws the transactions
with numpy, in the BTYD story the models assume, and inserts them in bulk:

- each customer is acquired on a day of the three years before ``as_of`` and buys then;
- while active they buy at a rate drawn from a gamma distribution (a few heavy buyers,
  many light ones) and stay active for an exponential lifetime (some quietly stop);
- the ``transactions - customers`` further orders are shared out in proportion to rate
  × active span, at uniform times within the active span; 5 % of orders repeat an earlier
  order's day (same-day repeats, which count as one purchase);
- order amounts are gamma-distributed around a per-customer spend level; 70 % of orders
  carry a cost (50–80 % of the amount);
- one interaction per customer on average, 70 % with a duration.

Rows go in through ``executemany`` on a plain sqlite3 connection, one million at a
time, with the secondary indexes dropped during the load and rebuilt after it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator

import numpy as np

DAY = 86_400
CHUNK = 1_000_000
SQL_INDEXES = ("identify_transaction", "identify_interaction")


def _epoch(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp())


def draw(*, customers: int, transactions: int, as_of: dt.date, seed: int) -> dict[str, np.ndarray]:
    """Customer ids (1..N) and, per transaction, customer, UTC epoch seconds, amount, cost."""
    if transactions < customers:
        raise ValueError("need at least one transaction per customer")
    rng = np.random.default_rng(seed)
    end = _epoch(as_of + dt.timedelta(days=1)) - 1
    start = end - 3 * 365 * DAY
    acquired = rng.integers(start, end, customers)
    rate = rng.gamma(0.8, 1.0, customers)
    lifetime = rng.exponential(2 * 365 * DAY, customers)
    span = np.minimum(acquired + lifetime, end) - acquired
    weight = rate * (span / DAY + 1.0)
    extra = rng.multinomial(transactions - customers, weight / weight.sum())
    counts = extra + 1
    owner = np.repeat(np.arange(customers), counts)
    first = np.zeros(transactions, dtype=bool)
    first[np.concatenate(([0], np.cumsum(counts)[:-1]))] = True
    offset = (rng.random(transactions) * span[owner]).astype(np.int64)
    offset[first] = 0
    ts = acquired[owner] + offset
    repeat = (~first) & (rng.random(transactions) < 0.05)
    ts[repeat] = (acquired[owner[repeat]] // DAY) * DAY + rng.integers(0, DAY, repeat.sum())
    ts = np.clip(ts, start, end)
    level = rng.gamma(3.7, 300 / 3.7, customers)
    amount = np.round(rng.gamma(6.0, level[owner] / 6.0), 2)
    cost = np.round(amount * rng.uniform(0.5, 0.8, transactions), 2)
    cost[rng.random(transactions) < 0.3] = np.nan
    n_int = customers
    return {
        "owner": owner + 1,
        "ts": ts,
        "amount": amount,
        "cost": cost,
        "interaction_owner": rng.integers(1, customers + 1, n_int),
        "interaction_ts": rng.integers(start, end, n_int),
        "duration": np.where(rng.random(n_int) < 0.7, rng.integers(60, 900, n_int), -1),
    }


def _rows(*columns: np.ndarray) -> Iterator[tuple]:
    lists = [c.tolist() for c in columns]
    return zip(*lists, strict=True)


def write(path: str, data: dict[str, np.ndarray], *, customers: int) -> None:
    """Insert customers, transactions and interactions into a migrated SQLite database."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA journal_mode=WAL")
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({', '.join('?' * len(SQL_INDEXES))})",
        SQL_INDEXES,
    ).fetchall()
    for name, _sql in indexes:
        con.execute(f'DROP INDEX "{name}"')
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    ids = np.arange(1, customers + 1)
    kinds = np.where(np.random.default_rng(1).random(customers) < 0.05, "industrial", "consumer")
    con.executemany(
        "INSERT INTO identify_customer (id, party_type, kind, status, scope, name, name_key, "
        "gender, province, city, district, address, company, title, risk_flag, created_at, "
        "updated_at) VALUES (?, 'person', ?, 'actual', 'external', 'C' || ?, 'c' || ?, '', '', "
        "'', '', '', '', '', '', ?, ?)",
        ((i, k, i, i, now, now) for i, k in _rows(ids, kinds)),
    )
    total = data["owner"].size
    for lo in range(0, total, CHUNK):
        hi = min(lo + CHUNK, total)
        cost = data["cost"][lo:hi]
        con.executemany(
            "INSERT INTO identify_transaction (source, order_id, customer_id, ts, amount, cost, "
            "channel) VALUES ('bench', printf('%010d', ?), ?, datetime(?, 'unixepoch'), ?, ?, 'web')",
            (
                (i, c, t, a, None if k != k else k)
                for i, c, t, a, k in _rows(
                    np.arange(lo, hi),
                    data["owner"][lo:hi],
                    data["ts"][lo:hi],
                    data["amount"][lo:hi],
                    cost,
                )
            ),
        )
    con.executemany(
        "INSERT INTO identify_interaction (source, external_id, customer_id, ts, channel, "
        "direction, subject, summary, staff, duration_seconds) VALUES ('bench', 'i' || ?, ?, "
        "datetime(?, 'unixepoch'), 'phone', 'inbound', '', '', '', nullif(?, -1))",
        _rows(
            np.arange(data["interaction_owner"].size),
            data["interaction_owner"],
            data["interaction_ts"],
            data["duration"],
        ),
    )
    con.commit()
    for _name, sql in indexes:
        con.execute(sql)
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
