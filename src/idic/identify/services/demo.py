"""Demo data: write the generated stream to CSV files, or load it into the database.

``write_demo`` streams the rows of :mod:`idic.identify.demo.generator` to
``customers.csv``, ``transactions.csv``, ``interactions.csv`` and ``truth.csv`` row
by row, so a million customers need no more memory than ten. The files appear under
their names only when all four are complete. ``load_demo`` writes them to a
temporary folder and imports the three data files, all or nothing.
"""

from __future__ import annotations

import csv
import random
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from idic.identify.demo.columns import (
    CUSTOMER_COLUMNS,
    INTERACTION_COLUMNS,
    TRANSACTION_COLUMNS,
    TRUTH_COLUMNS,
)
from idic.identify.demo.generator import generate
from idic.identify.services import imports

# progress(step, done, total): step is "generate" or the kind being imported
Progress = Callable[[str, int, int | None], None]
FILES = {
    "customers": ("customers.csv", CUSTOMER_COLUMNS),
    "transactions": ("transactions.csv", TRANSACTION_COLUMNS),
    "interactions": ("interactions.csv", INTERACTION_COLUMNS),
    "truth": ("truth.csv", TRUTH_COLUMNS),
}
LOAD_ORDER = ("customers", "transactions", "interactions")
ACTOR = "demo"


class DemoLoadError(RuntimeError):
    """An import of the demo files was refused; nothing of the demo was kept."""

    def __init__(self, kind: str, report: imports.ImportReport) -> None:
        self.kind = kind
        self.report = report
        first = "; ".join(f"row {e.row} {e.column}: {e.reason}" for e in report.errors[:3])
        super().__init__(
            f"importing the demo {kind} ended {report.status} with {report.error_count} "
            f"errors ({first}); nothing was loaded"
        )


@dataclass(frozen=True)
class DemoSummary:
    """What ``write_demo`` wrote."""

    folder: Path
    customers: int  # real persons and organisations
    records: int  # rows of customers.csv (originals and duplicates)
    duplicates: int
    organisations: int
    households: int
    transactions: int
    interactions: int
    seconds: float

    def path(self, kind: str) -> Path:
        return self.folder / FILES[kind][0]


@dataclass(frozen=True)
class DemoLoad:
    """What ``load_demo`` generated and imported."""

    written: DemoSummary
    reports: dict[str, imports.ImportReport]
    seconds: float


def write_demo(
    *, customers: int, seed: int, folder: Path, progress: Progress | None = None
) -> DemoSummary:
    """Write the four demo files for ``customers`` real customers into ``folder``.

    The stream is deterministic for ``seed``. Files are written under temporary names
    and renamed when complete; on an error no demo file is left behind.
    """
    if customers < 1:
        raise ValueError(f"customers must be at least 1, not {customers}")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{folder} exists and is not a folder: choose a folder for --out")
    folder.mkdir(parents=True, exist_ok=True)
    clock = time.perf_counter()
    parts = {kind: folder / f".{name}.part" for kind, (name, _c) in FILES.items()}
    counts = dict.fromkeys(
        ("records", "duplicates", "organisations", "households", "transactions", "interactions"),
        0,
    )
    made = 0
    try:
        with ExitStack() as stack:
            writers = {}
            for kind, (_name, columns) in FILES.items():
                handle = stack.enter_context(parts[kind].open("w", newline="", encoding="utf-8"))
                writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="raise")
                writer.writeheader()
                writers[kind] = writer
            for bundle in generate(customers=customers, rng=random.Random(seed)):
                writers["customers"].writerows(bundle.customers)
                writers["truth"].writerows(bundle.truth)
                writers["transactions"].writerows(bundle.transactions)
                writers["interactions"].writerows(bundle.interactions)
                counts["records"] += len(bundle.customers)
                counts["duplicates"] += len(bundle.noise)
                counts["transactions"] += len(bundle.transactions)
                counts["interactions"] += len(bundle.interactions)
                counts["organisations" if bundle.kind == "organisation" else "households"] += 1
                made += bundle.people
                if progress:
                    progress("generate", made, customers)
        for kind, (name, _c) in FILES.items():
            parts[kind].replace(folder / name)
    finally:
        for part in parts.values():
            part.unlink(missing_ok=True)
    return DemoSummary(
        folder=folder,
        customers=made,
        seconds=round(time.perf_counter() - clock, 3),
        **counts,
    )


def load_demo(*, customers: int, seed: int, progress: Progress | None = None) -> DemoLoad:
    """Generate demo data in a temporary folder and import it: customers, then
    transactions, then interactions, in one transaction.

    Raises:
        DemoLoadError: an import was refused or failed; the database is left as it was.
    """
    clock = time.perf_counter()
    reports: dict[str, imports.ImportReport] = {}
    with tempfile.TemporaryDirectory(prefix="idic-demo-") as tmp:
        written = write_demo(customers=customers, seed=seed, folder=Path(tmp), progress=progress)
        with transaction.atomic():
            for kind in LOAD_ORDER:
                report = imports.import_file(
                    kind=kind,
                    path=written.path(kind),
                    actor=ACTOR,
                    progress=_step(progress, kind),
                )
                if report.status != "succeeded":
                    raise DemoLoadError(kind, report)
                reports[kind] = report
    return DemoLoad(written=written, reports=reports, seconds=round(time.perf_counter() - clock, 3))


def _step(progress: Progress | None, kind: str) -> Callable[[int, int | None], None] | None:
    if progress is None:
        return None

    def report(done: int, total: int | None) -> None:
        progress(kind, done, total)

    return report
