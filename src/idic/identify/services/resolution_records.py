"""Reading every source record for batch resolution: what each record says.

One pass per table, streamed in chunks: the records with their payload and their
customer's party type; every phone and email contact point of each record (old,
no-longer-current numbers included); the national ID (unsealed only in memory, to
read the birth date and gender it encodes; compared by its keyed digest) and the
member card. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from idic.identify.matching.features import RecordFacts
from idic.identify.models import ContactPoint, Identifier, IdentifierKind, SourceRecord
from idic.protect import services as protect

CHUNK = 5000


@dataclass(frozen=True)
class LoadedRecords:
    facts: list[RecordFacts]
    customer_of: dict[int, int]  # source record id → its customer


def _text(payload: dict, key: str) -> str:
    value = payload.get(key, "")
    return value if isinstance(value, str) else str(value or "")


def load_records(*, progress: Callable[[int, int | None], None] | None = None) -> LoadedRecords:
    """Every source record as :class:`RecordFacts`, and which customer each belongs to."""
    total = SourceRecord.objects.count()
    if progress:
        progress(0, total)  # the step is under way: name it before the long read
    phones: dict[int, list[str]] = {}
    emails: dict[int, list[str]] = {}
    contacts = ContactPoint.objects.filter(
        kind__in=("phone", "email"), source_record__isnull=False
    ).values_list("source_record_id", "kind", "value")
    for record_id, kind, value in contacts.iterator(chunk_size=CHUNK):
        (phones if kind == "phone" else emails).setdefault(record_id, []).append(value)
    national: dict[int, tuple[str, str]] = {}
    cards: dict[int, str] = {}
    identifiers = Identifier.objects.filter(
        kind__in=(IdentifierKind.NATIONAL_ID, IdentifierKind.MEMBER_CARD),
        source_record__isnull=False,
    ).values_list("source_record_id", "kind", "value", "digest", "ciphertext")
    for record_id, kind, value, digest, ciphertext in identifiers.iterator(chunk_size=CHUNK):
        if kind == IdentifierKind.MEMBER_CARD:
            cards.setdefault(record_id, value)
        elif record_id not in national:
            plain = protect.unseal_value(ciphertext) if ciphertext else ""
            national[record_id] = (plain, digest)
    facts: list[RecordFacts] = []
    customer_of: dict[int, int] = {}
    rows = SourceRecord.objects.values_list("id", "customer_id", "customer__party_type", "payload")
    for done, (record_id, customer_id, party_type, payload) in enumerate(
        rows.order_by("id").iterator(chunk_size=CHUNK), start=1
    ):
        payload = payload if isinstance(payload, dict) else {}
        id_number, id_digest = national.get(record_id, ("", ""))
        facts.append(
            RecordFacts(
                record_id=record_id,
                name=_text(payload, "name"),
                party_type=party_type or "person",
                gender=_text(payload, "gender"),
                birth_date=_text(payload, "birth_date"),
                phones=tuple(phones.get(record_id, ())) or (_text(payload, "phone"),),
                emails=tuple(emails.get(record_id, ())) or (_text(payload, "email"),),
                id_number=id_number,
                id_digest=id_digest,
                member_card=cards.get(record_id) or _text(payload, "member_card"),
                company=_text(payload, "company"),
                province=_text(payload, "province"),
                city=_text(payload, "city"),
                district=_text(payload, "district"),
                address=_text(payload, "address"),
            )
        )
        customer_of[record_id] = customer_id
        if progress and done % CHUNK == 0:
            progress(done, total)
    if progress:
        progress(len(facts), total)
    return LoadedRecords(facts=facts, customer_of=customer_of)
