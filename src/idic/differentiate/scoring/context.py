"""What the scoring steps share: the engine, the loaded tables, earlier results, and
what the run reports besides the scores (fitted models, report tables, warnings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa

from idic.differentiate.scoring.params import ScoringParams


class Session(Protocol):
    """Engine access of a run (``idic.analytics.tables.Session``): session tables that
    are released together at the end."""

    engine: str

    def put(self, name: str, table: pa.Table) -> ir.Table: ...
    def materialise(self, name: str, expr: ir.Table) -> ir.Table: ...
    def fetch(self, expr: ir.Table) -> pa.Table: ...
    def release(self) -> None: ...


@dataclass
class Context:
    """The state of one scoring run inside the engine.

    ``tables`` holds the loaded inputs: ``transactions(customer_id, ts, amount, cost)``,
    ``customers(customer_id, status, kind, party_type, created_at)`` and
    ``interactions(customer_id, ts, channel, direction, duration_seconds)``, timestamps
    naive in business-local time.
    """

    session: Session
    tables: dict[str, ir.Table]
    as_of: dt.date
    params: ScoringParams
    results: dict[str, ir.Table] = field(default_factory=dict)
    model_parameters: dict[str, Any] = field(default_factory=dict)
    reports: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    transitions: pa.Table | None = None

    @property
    def end(self) -> dt.date:
        """First day after as_of: windows are ``start <= ts < end``."""
        return self.as_of + dt.timedelta(days=1)

    @property
    def start(self) -> dt.date | None:
        """First day of the value window, or None for all history."""
        days = self.params.value_window_days
        return None if days is None else self.end - dt.timedelta(days=days)

    def keep(self, name: str, expr: ir.Table) -> ir.Table:
        """Materialise ``expr`` as the session table ``idic_<name>`` and return it; a
        table already in the engine is returned as it is (no copy)."""
        if isinstance(expr.op(), ops.DatabaseTable):
            return expr
        return self.session.materialise(f"idic_{name}", expr)

    def put(self, name: str, data: pa.Table) -> ir.Table:
        """Load Arrow data computed outside the engine as the session table ``idic_<name>``."""
        return self.session.put(f"idic_{name}", data)

    def fetch(self, expr: ir.Table) -> pa.Table:
        """Run ``expr`` and return the rows as Arrow."""
        return self.session.fetch(expr)


@dataclass(frozen=True)
class Step:
    """One step of the run: it returns ``customer_id`` plus ``columns`` (names of the
    snapshot), one row per customer it scores, or None when it adds only reports."""

    name: str
    columns: tuple[str, ...]
    run: Callable[[Context], ir.Table | None]


def purchase_days(ctx: Context) -> ir.Table:
    """What the day-based scores read: the run's purchase-day table (kept by the ``days``
    step: one row per customer and day up to as_of) or, without that step, the
    transactions."""
    return ctx.tables.get("days", ctx.tables["transactions"])
