"""Benchmark: recognition at the point of contact with 1,000,000 customers stored.

For each database (SQLite file and PostgreSQL), makes sure ``--customers`` generated
customers are stored — bench/api.py's generator and COPY loader for PostgreSQL (database
``idic_bench``, shared with that benchmark), the same generated rows inserted in bulk
for the SQLite file under var/bench/ — then times ``--requests`` calls of
``idic.identify.services.recognize.recognize`` with noisy inputs: what a caller gives at
a counter or on the phone (a mix of name, phone, email, ID number, member card, birth
date), with the demo generator's noise (homophones, pinyin, traditional characters,
typos, swapped digits, full-width digits …), and one input in ten a person not stored.

Prints one JSON line: p50/p95/p99 in ms per database, the answers' mix (match /
possible / new) and how many matches named the right customer, n, customers, load
average and cores. Each database runs in a child process (Django holds one setup).

    uv run --frozen python bench/recognize.py                       # both, 1,000,000
    uv run --frozen python bench/recognize.py --customers 20000 --sqlite-path var/bench/r.sqlite3 \
        --database-url postgres://postgres@127.0.0.1:5432/idic_bench_small
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.api import (  # noqa: E402  (bench/ is not a package on the path by default)
    CHUNK,
    DEFAULT_URL,
    SKUS,
    CustomerMaker,
    Rows,
    ensure_database,
    load,
    percentiles,
    setup_django,
)

DEFAULT_SQLITE = ROOT / "var" / "bench" / "recognize.sqlite3"
BOOLEAN_COLUMNS = {"verified", "opt_out", "is_current"}
# What callers give, with how often: (fields, weight).
SCENARIOS = (
    (("name", "phone"), 30),
    (("phone",), 10),
    (("name", "birth_date"), 12),
    (("id_number",), 10),
    (("name", "id_number"), 8),
    (("name", "email"), 10),
    (("member_card", "name"), 5),
    (("name", "phone", "birth_date"), 10),
    (("name", "address", "birth_date"), 5),
)


# ---- loading the SQLite file --------------------------------------------------------


def _sqlite_value(column: str, text: str):
    """A COPY text cell as Django stores it in SQLite: NULL, 0/1, UTC datetimes."""
    if text == "\\N":
        return None
    if column in BOOLEAN_COLUMNS:
        return 1 if text == "t" else 0
    if len(text) > 19 and text[10] == "T" and text[4] == "-":  # aware ISO time → naive UTC
        return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return text


def _flush_sqlite(rows: Rows, conn: sqlite3.Connection) -> None:
    for table, columns in Rows.TABLES.items():
        lines = rows.lines[table]
        if not lines:
            continue
        names = [c.strip('"') for c in columns.split()]
        sql = (
            f"INSERT INTO {table} ({', '.join(chr(34) + n + chr(34) for n in names)}) "
            f"VALUES ({', '.join('?' * len(names))})"
        )
        conn.executemany(
            sql,
            (
                [_sqlite_value(n, cell) for n, cell in zip(names, line.split("\t"), strict=True)]
                for line in lines
            ),
        )
        lines.clear()


def load_sqlite(path: Path, count: int, *, seed: int) -> float:
    """Add ``count`` customers of bench/api.py's generator to the SQLite file, secondary
    indexes built once at the end; returns the seconds it took."""
    from idic.identify.models import Product

    started = time.perf_counter()
    products = {}
    for sku in SKUS:
        products[sku] = Product.objects.get_or_create(sku=sku, defaults={"name": sku})[0].pk
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    conn.execute("BEGIN")
    tables = ", ".join(f"'{t}'" for t in Rows.TABLES)
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN ({tables})"
    ).fetchall()
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    next_ids = {
        t: conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {t}").fetchone()[0]
        for t in Rows.TABLES
    }
    rows = Rows(next_ids)
    maker = CustomerMaker(seed + next_ids["identify_customer"], products)
    done = 0
    while done < count:
        size = min(CHUNK, count - done)
        for _ in range(size):
            maker.make(rows)
        _flush_sqlite(rows, conn)
        done += size
        rate = done / (time.perf_counter() - started)
        print(f"  loaded {done:,}/{count:,} customers ({rate:,.0f}/s)", file=sys.stderr)
    print(f"  rebuilding {len(indexes)} indexes …", file=sys.stderr)
    for _name, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started


# ---- noisy inputs -------------------------------------------------------------------


def _stored(ids: list[int]) -> dict[int, dict[str, str]]:
    """What is stored of each customer, as a caller would say it (ID numbers unsealed)."""
    from idic.identify.models import ContactPoint, Customer, Identifier
    from idic.protect import services as protect

    people: dict[int, dict[str, str]] = {}
    for pk, name, born, gender, province, city, district, address in Customer.objects.filter(
        pk__in=ids
    ).values_list("pk", "name", "birth_date", "gender", "province", "city", "district", "address"):
        people[pk] = {
            "name": name,
            "birth_date": born.isoformat() if born else "",
            "gender": gender,
            "address": " ".join(p for p in (province, city, district, address) if p),
        }
    for cid, kind, value in ContactPoint.objects.filter(
        customer_id__in=ids, kind__in=("phone", "email"), is_current=True
    ).values_list("customer_id", "kind", "value"):
        people[cid][kind] = value[3:] if kind == "phone" and value.startswith("+86") else value
    for cid, kind, value, sealed in Identifier.objects.filter(
        customer_id__in=ids, kind__in=("national_id", "member_card")
    ).values_list("customer_id", "kind", "value", "ciphertext"):
        key = "id_number" if kind == "national_id" else "member_card"
        people[cid][key] = protect.unseal_value(sealed) if sealed else value
    return people


def noisy_inputs(count: int, rng: random.Random) -> list[tuple[int | None, dict[str, str]]]:
    """``count`` (true customer id or None, input) pairs; one in ten is a stranger."""
    from django.db.models import Max, Min

    from idic.identify.demo import noise
    from idic.identify.matching.names import split_surname
    from idic.identify.models import Customer

    bounds = Customer.objects.aggregate(low=Min("pk"), high=Max("pk"))
    drawn = [rng.randint(bounds["low"], bounds["high"]) for _ in range(count)]
    people = _stored(drawn)
    inputs: list[tuple[int | None, dict[str, str]]] = []
    fields = [s for s, _w in SCENARIOS]
    weights = [w for _s, w in SCENARIOS]
    for pk in drawn:
        if pk not in people:
            continue
        person = dict(people[pk])
        scenario = rng.choices(fields, weights=weights)[0]
        row = {f: person.get(f, "") for f in ("name", *scenario)}
        surname, given = split_surname(person["name"])
        kinds = noise.choose_kinds(rng, organisation=False) - {"missing", "old_phone"}
        noise.apply_noise(rng, row, kinds, noise.Truth(surname=surname, given=given))
        given_fields = {f: row[f] for f in scenario if row.get(f)}
        if not given_fields:
            continue
        truth: int | None = pk
        if rng.random() < 0.1:  # a stranger: another name, a number nobody has
            truth = None
            given_fields = {
                "name": "欧阳" + person["name"][-1],
                "phone": f"1990000{rng.randrange(10**4):04d}",
            }
        inputs.append((truth, given_fields))
    return inputs[:count]


# ---- one database, in a child process -----------------------------------------------


def run_one(url: str, customers: int, requests: int, seed: int, sample_seed: int) -> dict:
    if url.startswith("postgres"):
        ensure_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from idic.identify.models import Customer
    from idic.identify.services import recognize

    call_command("init", verbosity=0)
    present = Customer.objects.count()
    load_seconds = None
    if present < customers:
        print(f"loading {customers - present:,} customers into {url} …", file=sys.stderr)
        if connection.vendor == "sqlite":
            connection.close()
            took = load_sqlite(
                Path(connection.settings_dict["NAME"]), customers - present, seed=seed
            )
        else:
            took = load(customers - present, seed=seed)
        load_seconds = round(took, 1)
    connection.settings_dict["CONN_MAX_AGE"] = 600
    inputs = noisy_inputs(requests + 50, random.Random(sample_seed))
    for _truth, given in inputs[:50]:  # warm up: imports, caches, query plans
        recognize.recognize(**given)
    timed = inputs[50:]
    samples, statuses, right, wrong = [], {"match": 0, "possible": 0, "new": 0}, 0, 0
    for truth, given in timed:
        started = time.perf_counter()
        answer = recognize.recognize(**given)
        samples.append((time.perf_counter() - started) * 1000)
        statuses[answer.status] += 1
        if answer.status == "match":
            if answer.customer_id == truth:
                right += 1
            else:
                wrong += 1
    vendor = connection.vendor
    if vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            version = f"postgresql {cur.fetchone()[0].split()[0]}"
    else:
        version = f"sqlite {sqlite3.sqlite_version}"
    return {
        "db": version,
        "customers": Customer.objects.count(),
        "n": len(samples),
        "latency_ms": percentiles(samples),
        "answers": statuses,
        "matches_right": right,
        "matches_wrong": wrong,
        "strangers": sum(1 for truth, _g in timed if truth is None),
        "load_seconds": load_seconds,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="the PostgreSQL database")
    parser.add_argument("--sqlite-path", default=str(DEFAULT_SQLITE))
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="run one database")
    parser.add_argument("--seed", type=int, default=11, help="seed of the generated data")
    parser.add_argument("--sample-seed", type=int, default=2026, help="seed of the inputs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        figures = run_one(args.child, args.customers, args.requests, args.seed, args.sample_seed)
        print(json.dumps(figures))
        return
    Path(args.sqlite_path).parent.mkdir(parents=True, exist_ok=True)
    urls = {
        "sqlite": f"sqlite:///{Path(args.sqlite_path).resolve()}",
        "postgresql": args.database_url,
    }
    out: dict[str, object] = {"bench": "recognize", "requests": args.requests}
    for name, url in urls.items():
        if args.only and name != args.only:
            continue
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                url,
                "--customers",
                str(args.customers),
                "--requests",
                str(args.requests),
                "--seed",
                str(args.seed),
                "--sample-seed",
                str(args.sample_seed),
            ],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        out[name] = json.loads(child.stdout.strip().splitlines()[-1])
    out["target_p99_ms"] = 50
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    out["cores"] = os.cpu_count()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
