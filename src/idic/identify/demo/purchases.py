"""Repeat buying: who buys how often, how much, and when they stop.

Each customer has a purchase rate drawn from a gamma distribution (heterogeneous
buyers), a dropout probability drawn from a beta distribution and applied after every
purchase (the BG/NBD story: some customers quietly stop), and a spend level drawn from
a gamma distribution with each order's amount gamma-distributed around it (the
Gamma-Gamma spend model). Only orders inside the observation window are emitted.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

# (SKU, lowest and highest typical order amount in yuan, cost as a share of the amount)
CATALOGUE: tuple[tuple[str, float, float, float], ...] = (
    ("SKU-1001", 0, 60, 0.55),  # 日用品
    ("SKU-1002", 20, 120, 0.6),  # 食品礼盒
    ("SKU-1003", 40, 200, 0.5),  # 个护套装
    ("SKU-2001", 80, 400, 0.62),  # 厨具
    ("SKU-2002", 150, 600, 0.58),  # 床品
    ("SKU-3001", 300, 1500, 0.7),  # 小家电
    ("SKU-3002", 600, 3000, 0.75),  # 净水器
    ("SKU-4001", 1500, 8000, 0.8),  # 大家电
    ("SKU-5001", 3000, 30000, 0.72),  # 企业采购套餐
    ("SKU-5002", 10000, 10**9, 0.68),  # 项目定制
)
CHANNELS = ("store", "web", "app", "phone", "wechat")
_ORG_CHANNELS = ("phone", "web", "store")


@dataclass(frozen=True)
class BuyerProfile:
    """The hidden buying behaviour of one customer (kept for tests, never written)."""

    rate: float  # purchases per year while active
    dropout: float  # chance of becoming inactive after each purchase
    spend: float  # gamma rate of the order amount: mean amount = shape / spend
    shape: float  # gamma shape of the order amount
    channels: tuple[str, ...]
    channel_weights: tuple[float, ...]


def draw_profile(rng: random.Random, *, organisation: bool) -> BuyerProfile:
    """A customer's buying behaviour; organisations buy less often but much more."""
    shape = 6.0
    if organisation:
        rate = rng.gammavariate(2.0, 2.0)  # mean 4 orders a year
        dropout = rng.betavariate(1.0, 12.0)
        spend_level = rng.gammavariate(3.7, 1 / 135.0) / 20  # mean amount ×20
        channels: tuple[str, ...] = _ORG_CHANNELS
    else:
        rate = rng.gammavariate(0.8, 5.0)  # mean 4 a year, most buy rarely, a few often
        dropout = rng.betavariate(1.2, 5.0)
        spend_level = rng.gammavariate(3.7, 1 / 135.0)  # mean amount ≈ ¥300
        channels = CHANNELS
    favourite = rng.randrange(len(channels))
    weights = tuple(6.0 if i == favourite else rng.random() for i in range(len(channels)))
    return BuyerProfile(
        rate=rate,
        dropout=dropout,
        spend=spend_level,
        shape=shape,
        channels=channels,
        channel_weights=weights,
    )


def purchase_days(
    rng: random.Random, profile: BuyerProfile, *, since: date, start: date, end: date
) -> tuple[list[date], date | None]:
    """Order days in ``start``…``end`` of a customer acquired on ``since`` (who buys on
    that day), and the day they dropped out (``None`` if still active at ``end``)."""
    days: list[date] = []
    day = since
    while day <= end:
        if day >= start:
            days.append(day)
        if rng.random() < profile.dropout:
            return days, day
        gap = rng.expovariate(profile.rate / 365.0) if profile.rate > 0 else float("inf")
        if gap > (end - day).days:
            break
        day += timedelta(days=max(1, round(gap)))
    return days, None


def orders(
    rng: random.Random, profile: BuyerProfile, days: list[date]
) -> Iterator[tuple[datetime, float, float, str, str]]:
    """(time, amount, cost, SKU, channel) of each order day."""
    for day in days:
        amount = max(1.0, round(rng.gammavariate(profile.shape, 1 / profile.spend), 2))
        sku, rate = _product(rng, amount)
        cost = round(amount * rng.uniform(rate - 0.08, rate + 0.08), 2)
        # opening hours 08:00–22:00, busier in the evening
        minute = int(rng.triangular(8 * 60, 22 * 60, 19 * 60))
        ts = datetime.combine(day, time(minute // 60, minute % 60, rng.randrange(60)))
        channel = rng.choices(profile.channels, weights=profile.channel_weights)[0]
        yield ts, amount, min(cost, amount), sku, channel


def _product(rng: random.Random, amount: float) -> tuple[str, float]:
    """A product whose usual price range holds the amount."""
    fitting = [(sku, rate) for sku, low, high, rate in CATALOGUE if low <= amount <= high]
    return rng.choice(fitting)
