"""Benchmark: import N generated customer rows (default 1,000,000) into a fresh SQLite file.

Prints one JSON line: rows, seconds, rows_per_s, peak_rss_mb (the importing process) and
worker_peak_rss_mb (the process reading the file, when one was used), cpu_s of both,
the load average before and after (the machine may be shared), db, machine. The data file
(the first N customer records of the demo stream, ``idic.identify.demo``) is generated
first, not timed, under var/bench/ and kept for reruns of the same size; the import is
``import_file`` end to end: every row checked, every table written, one transaction.
``--rows N`` for a quick run; ``--database-url`` for another (empty, migrated here) database
such as PostgreSQL.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write the first ``rows`` customer records of the demo stream (``idic.identify.demo``):
    persons, organisations and their key persons, with the duplicates and noise of
    several source systems, as ``customers.csv`` would hold them."""
    from idic.identify.demo.columns import CUSTOMER_COLUMNS
    from idic.identify.demo.generator import generate as demo_stream

    written = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=CUSTOMER_COLUMNS, extrasaction="ignore")
        out.writeheader()
        for bundle in demo_stream(customers=rows, rng=random.Random(seed)):
            for row in bundle.customers:
                out.writerow(row)
                written += 1
                if written == rows:
                    return


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the reading worker)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _load_average() -> float | None:
    """The one-minute load average, where the system tells it."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--keep", action="store_true", help="keep a generated 1M-row CSV too")
    args = parser.parse_args(argv)

    OUT.mkdir(parents=True, exist_ok=True)
    data = OUT / f"customers_{args.rows}.csv"
    if not data.exists():
        generate(data, args.rows)
    url = args.database_url
    if not url:
        db = OUT / "import.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idic.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from idic.identify.services import imports

    load_before = _load_average()
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    report = imports.import_file(kind="customers", path=data, actor="bench")
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    if report.status != "succeeded":
        print(f"import {report.status}: {report.errors[:5]}", file=sys.stderr)
        raise SystemExit(1)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    worker_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "bench": "import_customers",
                "rows": report.rows,
                "created": report.created,
                "linked": report.linked,
                "seconds": round(seconds, 2),
                "rows_per_s": round(report.rows / seconds),
                "peak_rss_mb": round(peak_kb / 1024),
                "worker_peak_rss_mb": round(worker_kb / 1024),
                "cpu_s": round(cpu, 2),
                "load_avg": [load_before, _load_average()],
                "db": url.split(":", 1)[0],
                "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
            }
        )
    )
    if not args.keep and args.rows >= 1_000_000:
        data.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
