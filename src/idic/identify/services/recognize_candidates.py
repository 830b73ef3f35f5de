"""Candidates for recognition, in one round trip to the database.

One statement finds the customers that share an exact key with the input — a phone or
email contact point, the keyed digest of an ID number or member card, the name key with
the birth date — each through its index and each capped, replaces a merged customer by
the customer it was merged into (a merge keeps that link one step deep: merging a golden
customer re-points the customers merged into it), and returns those customers' fields,
phones, emails and identifiers. Then :func:`candidate_features` turns them into the
feature rows the scorer compares.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection

from idic.identify.matching import features
from idic.identify.models import ContactPoint, Customer, Identifier, IdentifierKind

PER_KEY = 20  # customers one phone, email, identifier or name key can bring
MAX_CANDIDATES = 40
NATIONAL_ID = IdentifierKind.NATIONAL_ID.value
MEMBER_CARD = IdentifierKind.MEMBER_CARD.value


def _lookups(
    *,
    contacts: list[tuple[str, str]],
    digests: list[tuple[str, str]],
    name_keys: list[str],
    birth_date: date | None,
) -> tuple[list[str], list[Any]]:
    q = connection.ops.quote_name
    parts: list[str] = []
    params: list[Any] = []
    if contacts:
        parts.append(
            f"SELECT hit FROM (SELECT customer_id AS hit FROM {q(ContactPoint._meta.db_table)} "
            f"WHERE {' OR '.join('(kind = %s AND value = %s)' for _ in contacts)} "
            f"LIMIT {2 * PER_KEY}) AS by_contact"
        )
        params += [v for pair in contacts for v in pair]
    if digests:
        parts.append(
            f"SELECT hit FROM (SELECT customer_id AS hit FROM {q(Identifier._meta.db_table)} "
            f"WHERE {' OR '.join('(kind = %s AND digest = %s)' for _ in digests)} "
            f"LIMIT {2 * PER_KEY}) AS by_identifier"
        )
        params += [v for pair in digests for v in pair]
    if name_keys and birth_date is not None:
        parts.append(
            f"SELECT hit FROM (SELECT id AS hit FROM {q(Customer._meta.db_table)} "
            f"WHERE name_key IN ({', '.join(['%s'] * len(name_keys))}) AND birth_date = %s "
            f"LIMIT {PER_KEY}) AS by_name"
        )
        params += [*name_keys, connection.ops.adapt_datefield_value(birth_date)]
    return parts, params


def candidate_rows(
    *,
    contacts: list[tuple[str, str]],
    digests: list[tuple[str, str]],
    name_keys: list[str],
    birth_date: date | None,
) -> list[tuple]:
    """The rows of every candidate: ``("c", id, name, party_type, gender, birth date,
    province, city, district, address)`` for the customer, ``("p", id, kind, value,
    "y"/"n" current)`` for a phone or email, ``("i", id, kind, digest, value)`` for an ID
    number or member card."""
    parts, params = _lookups(
        contacts=contacts, digests=digests, name_keys=name_keys, birth_date=birth_date
    )
    if not parts:
        return []
    q = connection.ops.quote_name
    customers = q(Customer._meta.db_table)
    contact_table, ident_table = q(ContactPoint._meta.db_table), q(Identifier._meta.db_table)
    sql = (
        f"WITH hits AS ({' UNION ALL '.join(parts)}), "
        f"found AS (SELECT DISTINCT COALESCE(c.merged_into_id, c.id) AS cid FROM hits "
        f"JOIN {customers} c ON c.id = hits.hit LIMIT {MAX_CANDIDATES}) "
        "SELECT 'c', c.id, c.name, c.party_type, c.gender, CAST(c.birth_date AS TEXT), "
        f"c.province, c.city, c.district, c.address FROM {customers} c "
        "WHERE c.id IN (SELECT cid FROM found) AND c.merged_into_id IS NULL "
        "UNION ALL SELECT 'p', t.customer_id, t.kind, t.value, "
        "CASE WHEN t.is_current THEN 'y' ELSE 'n' END, NULL, NULL, NULL, NULL, NULL "
        f"FROM {contact_table} t WHERE t.customer_id IN (SELECT cid FROM found) "
        "AND t.kind IN ('phone', 'email') "
        "UNION ALL SELECT 'i', t.customer_id, t.kind, t.digest, t.value, "
        f"NULL, NULL, NULL, NULL, NULL FROM {ident_table} t "
        "WHERE t.customer_id IN (SELECT cid FROM found) AND t.kind IN (%s, %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, NATIONAL_ID, MEMBER_CARD])
        return cursor.fetchall()


def candidate_features(rows: list[tuple]) -> dict[int, dict[str, Any]]:
    """The comparison features of each candidate customer (``matching.features``), with
    ``former_phones`` (numbers kept only in the history), ``emails``, ``id_keys`` (ID
    digests) and ``member_cards``."""
    customers: dict[int, tuple] = {}
    phones: dict[int, dict[str, bool]] = {}
    emails: dict[int, set[str]] = {}
    ids: dict[int, set[str]] = {}
    cards: dict[int, set[str]] = {}
    for tag, cid, *rest in rows:
        if tag == "c":
            customers[cid] = tuple(rest)
        elif tag == "p":
            kind, value, current = rest[0], rest[1], rest[2] == "y"
            if kind == "phone":
                mine = phones.setdefault(cid, {})
                mine[value] = mine.get(value, False) or current
            else:
                emails.setdefault(cid, set()).add(value)
        elif rest[0] == NATIONAL_ID:
            ids.setdefault(cid, set()).add(rest[1])
        else:
            cards.setdefault(cid, set()).add(rest[2])
    out = {}
    for cid, (name, party, gender, born, province, city, district, address) in sorted(
        customers.items()
    ):
        numbers = phones.get(cid, {})
        row = features.record_features(
            features.RecordFacts(
                record_id=cid,
                name=name,
                party_type=party,
                gender=gender or "",
                birth_date=(born or "")[:10],
                phones=tuple(numbers),
                province=province or "",
                city=city or "",
                district=district or "",
                address=address or "",
            )
        )
        row["former_phones"] = [p for p, current in numbers.items() if not current]
        row["emails"] = sorted(emails.get(cid, ()))
        row["id_keys"] = sorted(ids.get(cid, ()))
        row["member_cards"] = sorted(cards.get(cid, ()))
        out[cid] = row
    return out
