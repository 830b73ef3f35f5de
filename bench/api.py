"""Benchmark: the REST API's 360 view and phone search over 1,000,000 customers in PostgreSQL.

Loads generated customers (names, phones, emails, resident IDs sealed as IDIC stores them,
addresses, attributes, a few transactions and interactions each) into the database once,
by COPY straight into the identify tables after ``idic init``; a later run with more
``--customers`` tops it up. Then times ``--requests`` calls of
``GET /api/customers/{id}/360`` for random customers and of ``GET /api/customers?q=<phone>``
through Django's test client with an admin's bearer token, and prints one JSON line:
p50/p95/p99 in ms for each, n, customers, db, cores.

    uv run --frozen python bench/api.py                  # 1,000,000 customers in idic_bench
    uv run --frozen python bench/api.py --customers 20000 --database-url postgres://…/idic_bench_small
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/idic_bench"
CHUNK = 20_000  # customers generated per COPY
NULL = "\\N"
DROP_INDEXES_FROM = 50_000  # a load this large rebuilds the secondary indexes afterwards
EMAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "gmail.com", "outlook.com")
CHANNELS = ("store", "web", "app", "phone", "wechat")
SKUS = tuple(f"SKU-{n:04d}" for n in range(1, 201))
MARITAL = ("single", "married", "married", "married", "divorced", "widowed")
TITLES = ("职员", "工程师", "经理", "主管", "教师", "医生", "会计", "销售代表", "设计师", "总监")
STAFF = tuple(f"客服{n:02d}" for n in range(1, 41))
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idic.settings")
    import django

    django.setup()


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    cfg = dj_database_url.parse(url)
    params = {"host": cfg["HOST"], "port": cfg["PORT"] or 5432, "user": cfg["USER"]}
    if cfg.get("PASSWORD"):
        params["password"] = cfg["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (cfg["NAME"],))
        if found.fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))


class Rows:
    """COPY text lines for each table, written as the customers are generated."""

    TABLES = {
        "identify_customer": (
            "id party_type kind status scope name name_key gender birth_date province city "
            "district address company title risk_flag created_at updated_at"
        ),
        "identify_sourcerecord": "id source source_id customer_id payload first_seen_at last_seen_at",
        "identify_contactpoint": (
            "id customer_id source_record_id kind value raw_value verified opt_out is_current "
            "first_seen_at last_seen_at"
        ),
        "identify_identifier": (
            "id customer_id source_record_id kind issuer value digest ciphertext masked first_seen_at"
        ),
        "identify_attributevalue": (
            'id customer_id source_record_id "group" name value source collected_at confidence '
            "recorded_at superseded_at"
        ),
        "identify_transaction": (
            "id source order_id customer_id source_record_id ts amount cost product_id channel"
        ),
        "identify_interaction": (
            "id source external_id customer_id source_record_id ts channel direction subject "
            "summary staff duration_seconds"
        ),
        "identify_customerevent": "id customer_id ts kind actor payload",
    }

    def __init__(self, next_ids: dict[str, int]) -> None:
        self.next_ids = next_ids
        self.lines: dict[str, list[str]] = {t: [] for t in self.TABLES}

    def add(self, table: str, *values) -> int:
        """Queue one row; values are generated text without tabs, newlines or backslashes,
        so they need no COPY escaping; None is NULL."""
        pk = self.next_ids[table]
        self.next_ids[table] = pk + 1
        cells = "\t".join(NULL if v is None else str(v) for v in values)
        self.lines[table].append(f"{pk}\t{cells}")
        return pk

    def copy_into(self, conn) -> None:
        with conn.cursor() as cur:
            for table, columns in self.TABLES.items():
                if not self.lines[table]:
                    continue
                cols = ", ".join(columns.split())
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    buffer = io.StringIO()
                    buffer.write("\n".join(self.lines[table]))
                    buffer.write("\n")
                    copy.write(buffer.getvalue())
                self.lines[table].clear()


class CustomerMaker:
    """Realistic Chinese customers from the demo generators (``idic.identify.demo``)."""

    def __init__(self, seed: int, products: dict[str, int]) -> None:
        from idic.identify.demo.id_numbers import IdIssuer
        from idic.identify.demo.phones import PhoneBook

        self.rng = random.Random(seed)
        self.phones = PhoneBook(self.rng)
        self.ids = IdIssuer()
        self.products = products

    def make(self, rows: Rows) -> None:
        from idic.identify import normalise
        from idic.identify.demo import companies, contacts, names, places
        from idic.protect import services as protect

        rng = self.rng
        gender = "M" if rng.random() < 0.5 else "F"
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
        district = places.pick_district(rng)
        surname = names.pick_surname(rng)
        given = names.pick_given(rng, gender, born.year)
        name = surname + given
        created = NOW - timedelta(days=rng.randrange(5 * 365), seconds=rng.randrange(86_400))
        company = companies.employer_name(rng, district) if rng.random() < 0.6 else ""
        title = rng.choice(TITLES) if company else ""
        address = places.home_address(rng, district)
        status = "actual" if rng.random() < 0.85 else "potential"
        cid = rows.add(
            "identify_customer",
            "person",
            "consumer",
            status,
            "external",
            name,
            normalise.name_key(name),
            gender,
            born.isoformat(),
            district.province,
            district.city,
            district.name,
            address,
            company,
            title,
            "",
            created.isoformat(),
            created.isoformat(),
        )
        source_id = f"C{cid:08d}"
        srid = rows.add(
            "identify_sourcerecord",
            "crm",
            source_id,
            cid,
            "{}",
            created.isoformat(),
            created.isoformat(),
        )
        when = created.isoformat()
        phone = "+86" + self.phones.mobile(rng)
        contact = [("phone", phone)]
        if rng.random() < 0.7:
            login = names.surname_pinyin(surname) + "".join(names.to_pinyin(given))
            email = f"{login}{rng.randrange(1, 9999)}@{rng.choice(EMAIL_DOMAINS)}"
            contact.append(("email", email))
        postal = f"{district.province} {district.city} {district.name} {address}"[:300]
        contact.append(("address", postal))
        for kind, value in contact:
            rows.add(
                "identify_contactpoint",
                cid,
                srid,
                kind,
                value,
                value,
                "f",  # verified
                "f",  # opt_out
                "t",  # is_current
                when,
                when,
            )
        id_number = self.ids.issue(district.code, born, gender)
        rows.add(
            "identify_identifier",
            cid,
            srid,
            "national_id",
            "crm",
            "",
            protect.identifier_digest("national_id", id_number),
            protect.seal_value(id_number),
            protect.mask_value("id_number", id_number),
            when,
        )
        if rng.random() < 0.3:
            card = f"88{cid:010d}"
            rows.add(
                "identify_identifier",
                cid,
                srid,
                "member_card",
                "crm",
                card,
                protect.identifier_digest("member_card", card),
                "",
                protect.mask_value("member_card", card),
                when,
            )
        attributes = [("basic", "name", name), ("basic", "gender", gender)]
        attributes += [("basic", "birth_date", born.isoformat()), ("basic", "status", status)]
        if company:
            attributes.append(("career", "company", company))
        if rng.random() < 0.5:
            attributes.append(("family", "marital_status", rng.choice(MARITAL)))
        if rng.random() < 0.4:  # income changed once: the old value stays, superseded
            changed = created + (NOW - created) * rng.random()
            old = rng.randrange(3, 30) * 1000
            rows.add(
                "identify_attributevalue",
                cid,
                srid,
                "career",
                "income",
                old,
                "crm",
                when,
                1.0,
                when,
                changed.isoformat(),
            )
            rows.add(
                "identify_attributevalue",
                cid,
                srid,
                "career",
                "income",
                old + 2000,
                "crm",
                changed.isoformat(),
                0.9,
                changed.isoformat(),
                None,
            )
        for group, attr, value in attributes:
            rows.add(
                "identify_attributevalue",
                cid,
                srid,
                group,
                attr,
                value,
                "crm",
                when,
                1.0,
                when,
                None,
            )
        span = max((NOW - created).total_seconds(), 1.0)
        for n in range(rng.choice((0, 1, 2, 3, 3, 4, 4, 5, 6, 8))):
            ts = created + timedelta(seconds=rng.random() * span)
            amount = round(rng.lognormvariate(5.0, 1.0), 2)
            sku = rng.choice(SKUS)
            rows.add(
                "identify_transaction",
                "crm",
                f"{source_id}-{n}",
                cid,
                srid,
                ts.isoformat(),
                f"{amount:.2f}",
                f"{amount * rng.uniform(0.5, 0.8):.2f}",
                self.products[sku],
                rng.choice(CHANNELS),
            )
        for n in range(rng.choice((0, 1, 1, 2, 2, 3))):
            topic = rng.choice(contacts.TOPICS)
            ts = created + timedelta(seconds=rng.random() * span)
            rows.add(
                "identify_interaction",
                "crm",
                f"{source_id}-i{n}",
                cid,
                srid,
                ts.isoformat(),
                rng.choice(topic.channels),
                topic.direction,
                topic.subject,
                rng.choice(topic.summaries),
                rng.choice(STAFF),
                rng.randint(*topic.seconds),
            )
        rows.add(
            "identify_customerevent", cid, when, "customer_created", "import", '{"source": "crm"}'
        )


def secondary_indexes(conn) -> list[tuple[str, str]]:
    """Name and definition of the loaded tables' indexes that back no constraint."""
    return conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        (list(Rows.TABLES),),
    ).fetchall()


def load(count: int, *, seed: int) -> float:
    """Add ``count`` generated customers by COPY; returns the seconds it took."""
    import psycopg
    from django.db import connection

    from idic.identify.models import Product

    started = time.perf_counter()
    products = {}
    for sku in SKUS:
        products[sku] = Product.objects.get_or_create(
            sku=sku, defaults={"name": f"商品{sku[-4:]}"}
        )[0].pk
    settings = connection.settings_dict
    conninfo = {
        "host": settings["HOST"],
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
        "dbname": settings["NAME"],
    }
    if settings.get("PASSWORD"):
        conninfo["password"] = settings["PASSWORD"]
    # One transaction: a failed load leaves nothing behind, dropped indexes included.
    with psycopg.connect(**conninfo) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '1GB'")
        # The generated rows are consistent by construction: skip the (deferred) foreign-key
        # triggers, which would otherwise queue an event per row and block CREATE INDEX.
        conn.execute("SET session_replication_role = replica")
        indexes = secondary_indexes(conn) if count >= DROP_INDEXES_FROM else []
        for name, _definition in indexes:
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
            rows.copy_into(conn)
            done += size
            rate = done / (time.perf_counter() - started)
            print(f"  loaded {done:,}/{count:,} customers ({rate:,.0f}/s)", file=sys.stderr)
        conn.execute("SET session_replication_role = origin")
        print(f"  rebuilding {len(indexes)} indexes …", file=sys.stderr)
        for _name, definition in indexes:
            conn.execute(definition)
        for table in Rows.TABLES:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )
        conn.commit()
        conn.autocommit = True
        for table in Rows.TABLES:
            conn.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - started


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": round(cuts[49], 2), "p95": round(cuts[94], 2), "p99": round(cuts[98], 2)}


def time_requests(client, paths: list[str], headers: dict[str, str], check) -> dict[str, float]:
    """Wall-clock percentiles of the requests, and the mean CPU time this process spent
    on one (Django, ninja, the ORM: everything but the database server)."""
    for path in paths[:20]:  # warm up: imports, caches, plans
        client.get(path, headers=headers)
    samples = []
    cpu_started = time.process_time()
    for path in paths:
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or not check(response.json()):
            raise SystemExit(f"{path} answered {response.status_code}: {response.content[:300]!r}")
    cpu_ms = (time.process_time() - cpu_started) * 1000 / len(paths)
    return percentiles(samples) | {"app_cpu_ms": round(cpu_ms, 2)}


def sample_paths(count: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """360 paths of ``count`` random customers, and searches for their phones as people
    say them (``138…``, without +86)."""
    from django.db.models import Max, Min

    from idic.identify.models import ContactPoint, Customer

    bounds = Customer.objects.aggregate(low=Min("pk"), high=Max("pk"))
    drawn = [rng.randint(bounds["low"], bounds["high"]) for _ in range(2 * count)]
    present = set(Customer.objects.filter(pk__in=drawn).values_list("pk", flat=True))
    ids = [i for i in drawn if i in present][:count]
    phones = dict(
        ContactPoint.objects.filter(kind="phone", customer_id__in=ids).values_list(
            "customer_id", "value"
        )
    )
    views = [f"/api/customers/{i}/360" for i in ids]
    searches = [f"/api/customers?q={phones[i][3:]}" for i in ids if i in phones]
    return views, searches


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seed", type=int, default=11, help="seed of the generated data")
    parser.add_argument(
        "--sample-seed", type=int, help="seed of the customers timed (default: a fresh one)"
    )
    args = parser.parse_args(argv)

    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from idic.identify.models import Customer
    from idic.protect import services as protect

    call_command("init", verbosity=0)
    present = Customer.objects.count()
    load_seconds = None
    if present < args.customers:
        print(f"loading {args.customers - present:,} customers …", file=sys.stderr)
        load_seconds = round(load(args.customers - present, seed=args.seed), 1)
    customers = Customer.objects.count()

    user = protect.create_user(username="bench-admin", password="bench-password-1", role="admin")
    token = protect.issue_token(user=user, name="bench")
    headers = {"Authorization": f"Bearer {token}"}
    client = Client()

    def timed(seed: int) -> dict[str, dict[str, float]]:
        """Time 360 views and phone searches of customers drawn afresh (so no run is
        warmed by another's reads of the same rows)."""
        views, searches = sample_paths(args.requests, random.Random(seed))
        return {
            "customer_360_ms": time_requests(client, views, headers, lambda body: body["customer"]),
            "search_phone_ms": time_requests(client, searches, headers, lambda body: body["items"]),
        }

    figures: dict[str, object] = {"bench": "api", "customers": customers, "n": args.requests}
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    # As configured (CONN_MAX_AGE 0: a new database connection per request) …
    sample_seed = args.sample_seed if args.sample_seed is not None else random.randrange(10**9)
    figures.update(timed(sample_seed))
    # … and with persistent connections, as a production server would keep them.
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 600
    figures["persistent_connection"] = timed(sample_seed + 1)
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        figures["db"] = f"postgresql {cur.fetchone()[0].split()[0]}"
    figures["cores"] = os.cpu_count()
    figures["client"] = "django test client, in-process, bearer token of an admin"
    figures["load_seconds"] = load_seconds
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
