"""Linking new import records to the customers they belong to (recognition inside the import).

A new source record joins a customer instead of creating one when it shares a strong,
exact key with that customer: its resident ID number or member card (their keyed
digests), or its phone or email *together with* the same name key. A phone alone is
never enough: a family shares a home phone but not a person. These are the rules of
``recognize.link_targets_for_import``; scoring fuzzy evidence is left to batch
resolution and the review queue.

The customer may be stored before the import or made by an earlier row of the same
file. Look-ups are per batch, never per row:

* a key table that holds more rows than the file is likely to bring is asked once per
  batch (``IN`` lists; one ``= ANY(array)`` on PostgreSQL); it holds the rows of earlier
  batches of this import too, since they are written in the same transaction;
* a key table that holds fewer (empty, on a first load), or whose random-key index the
  import deferred (``import_indexes``: SQLite, by the same rule) so that it cannot be
  searched without a scan, has its stored keys read once at the start (few, by that
  very rule), and every key the import writes is kept in memory, as Python's 64-bit hash of the key (computed in C and
  cached on the string; a few dozen bytes a key; a false hit needs two different keys to
  collide in 64 bits).

Rows of one batch find one another through the batch's own keys. A merged customer
stands for its golden one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Model

from idic.identify.models import ContactPoint, Customer, Identifier, IdentifierKind
from idic.identify.services import import_indexes
from idic.identify.services.import_sql import Bulk

NATIONAL_ID = IdentifierKind.NATIONAL_ID.value
MEMBER_CARD = IdentifierKind.MEMBER_CARD.value
# A record's link keys, prepared on the reading side:
# (ID number digest, member card digest, phone, email, name key); "" where not given.
LinkKeys = tuple[str, str, str, str, str]
Key = tuple[str, str]
# a record of the batch that joins the customer of an earlier record of the same batch
# is told as -(index + 1) until that customer's id is known
SameAs = int
ALL_KINDS = frozenset("icpe")  # the tags of :func:`link_keys`


def link_keys(record_keys: LinkKeys) -> list[Key]:
    """The record's keys in the order they decide: ID number, member card, phone with
    name, email with name. Phone and email count only with a name."""
    id_digest, card_digest, phone, email, name_key = record_keys
    keys: list[Key] = []
    if id_digest:
        keys.append(("i", id_digest))
    if card_digest:
        keys.append(("c", card_digest))
    if name_key:
        if phone:
            keys.append(("p", f"{phone}\x00{name_key}"))
        if email:
            keys.append(("e", f"{email}\x00{name_key}"))
    return keys


class ImportLinker:
    """Decides, batch by batch, which new records join a known customer.

    ``deferred``: the models whose random-key indexes the import dropped until its end.
    """

    def __init__(
        self, bulk: Bulk, *, deferred: Iterable[type[Model]] = (), file_bytes: int = 0
    ) -> None:
        self.bulk = bulk
        deferred = set(deferred)
        incoming = file_bytes // import_indexes.BYTES_PER_ROW
        # key kinds held in memory: their table cannot be searched during the load, or
        # holds fewer rows than the file brings (reading it once beats a look-up a batch)
        self.in_memory: set[str] = set()
        for model, kinds in ((Identifier, {"i", "c"}), (ContactPoint, {"p", "e"})):
            if model in deferred or self._rows(model) < incoming:
                self.in_memory |= kinds
        self.kept: dict[int, int] = {}
        self._pending: list[tuple[int, int]] = []  # (hashed key, record) of a new customer
        if self.in_memory:
            self._keep_stored()

    def _rows(self, model: type[Model]) -> int:
        """About how many rows the table holds (its highest id: no count of a large table)."""
        self.bulk.cursor.execute(f"SELECT MAX(id) FROM {self.bulk.table(model)}")
        return self.bulk.cursor.fetchone()[0] or 0

    # -- the stored keys --------------------------------------------------------------

    def _keep_stored(self) -> None:
        """Read the stored keys of the kinds held in memory (their tables are small)."""
        found: list[tuple[Key, int, int | None]] = []
        if "i" in self.in_memory:
            found += self._identifiers(None)
        if "p" in self.in_memory:
            found += self._contacts(None)
        golden = self._golden({cid: parent for _, cid, parent in found if parent})
        for key, cid, _parent in sorted(found, key=lambda f: f[1]):
            self.kept.setdefault(hash(key), golden.get(cid, cid))

    def _identifiers(
        self, digests: dict[str, list[str]] | None
    ) -> list[tuple[Key, int, int | None]]:
        """``(key, customer, merged into)`` of the stored ID numbers and member cards whose
        digest is one of ``digests`` (by kind), or of all of them when None."""
        b = self.bulk
        t, c = b.table(Identifier), b.table(Customer)
        select = (
            f"SELECT t.kind, t.digest, t.customer_id, c.merged_into_id FROM {t} t "
            f"JOIN {c} c ON c.id = t.customer_id WHERE t.kind = %s"
        )
        out: list[tuple[Key, int, int | None]] = []
        for kind, tag in ((NATIONAL_ID, "i"), (MEMBER_CARD, "c")):
            for _kind, digest, cid, parent in self._select(
                select, kind, "t.digest", None if digests is None else digests.get(tag, [])
            ):
                out.append(((tag, digest), cid, parent))
        return out

    def _contacts(self, values: dict[str, list[str]] | None) -> list[tuple[Key, int, int | None]]:
        """``(key, customer, merged into)`` of the stored phones and emails (with their
        customer's name key) whose value is one of ``values`` (by kind), or all when None."""
        b = self.bulk
        t, c = b.table(ContactPoint), b.table(Customer)
        select = (
            f"SELECT t.value, c.name_key, t.customer_id, c.merged_into_id FROM {t} t "
            f"JOIN {c} c ON c.id = t.customer_id WHERE t.kind = %s"
        )
        out: list[tuple[Key, int, int | None]] = []
        for kind, tag in (("phone", "p"), ("email", "e")):
            for value, name_key, cid, parent in self._select(
                select, kind, "t.value", None if values is None else values.get(tag, [])
            ):
                if name_key:
                    out.append(((tag, f"{value}\x00{name_key}"), cid, parent))
        return out

    def _select(
        self, select: str, kind: str, column: str, values: list[str] | None
    ) -> Iterable[tuple]:
        cursor = self.bulk.cursor
        if values is None:
            cursor.execute(select, [kind])
            yield from cursor.fetchall()
            return
        distinct = sorted(set(values))
        if not distinct:
            return
        if self.bulk.vendor == "postgresql":
            # one statement, the values sent apart as one array (not quoted into the SQL)
            raw = self.bulk.raw_cursor
            raw.execute(f"{select} AND {column} = ANY(%s)", [kind, distinct])
            yield from raw.fetchall()
            return
        for start in range(0, len(distinct), 500):
            chunk = distinct[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"{select} AND {column} IN ({marks})", [kind, *chunk])
            yield from cursor.fetchall()

    def _golden(self, merged_into: dict[int, int]) -> dict[int, int]:
        """The golden customer of each merged customer in ``merged_into``."""
        parent = dict(merged_into)
        golden: dict[int, int] = {}
        for cid in merged_into:
            current, seen = cid, 0
            while current in parent and seen < 10:
                nxt = parent[current]
                if nxt not in parent:
                    row = Customer.objects.filter(pk=nxt).values_list("merged_into_id", flat=True)
                    above = row.first()
                    if above:
                        parent[nxt] = above
                current, seen = nxt, seen + 1
            golden[cid] = current
        return golden

    # -- a batch ----------------------------------------------------------------------

    def owners(self, keys: Sequence[list[Key]]) -> list[int | None]:
        """For each new record of a batch, given by its :func:`link_keys`: the customer it
        joins (an id), the customer of an earlier record of this batch (``-(index + 1)``),
        or None (a new customer). :meth:`settle` must follow once the ids are known."""
        if self.in_memory >= ALL_KINDS:
            return self._owners_in_memory(keys)
        stored = self._stored_for(keys)
        kept, in_memory = self.kept, self.in_memory
        pending: list[tuple[int, int]] = []
        owners: list[int | None] = []
        for i, record_keys in enumerate(keys):
            # each key in the table that answers for its kind: memory (hashed) or the batch's
            slots: list[tuple[dict[Any, int], Any]] = [
                (kept, hash(k)) if k[0] in in_memory else (stored, k) for k in record_keys
            ]
            owner = None
            for table, k in slots:
                owner = table.get(k)
                if owner is not None:
                    break
            mine = -(i + 1) if owner is None else owner
            for table, k in slots:
                if k not in table:
                    table[k] = mine
                    if mine < 0 and table is kept:
                        pending.append((k, -mine - 1))
            owners.append(owner)
        self._pending = pending
        return owners

    def _owners_in_memory(self, keys: Sequence[list[Key]]) -> list[int | None]:
        """:meth:`owners` when every kind of key is held in memory (a first load): the same
        decisions, without asking the database or sorting keys by where they are held."""
        kept = self.kept
        pending: list[tuple[int, int]] = []
        owners: list[int | None] = []
        for i, record_keys in enumerate(keys):
            hashed = [hash(k) for k in record_keys]
            owner = None
            for h in hashed:
                owner = kept.get(h)
                if owner is not None:
                    break
            mine = -(i + 1) if owner is None else owner
            for h in hashed:
                if h not in kept:
                    kept[h] = mine
                    if mine < 0:
                        pending.append((h, -mine - 1))
            owners.append(owner)
        self._pending = pending
        return owners

    def settle(self, customers: Sequence[int]) -> None:
        """The batch :meth:`owners` was last asked about is written: its record ``i`` is
        customer ``customers[i]``; the keys kept in memory learn the new customers' ids."""
        kept = self.kept
        for k, i in self._pending:
            kept[k] = customers[i]
        self._pending = []

    def _stored_for(self, keys: Sequence[list[Key]]) -> dict[Any, int]:
        """The customers the indexed tables hold for the batch's keys."""
        wanted: dict[str, list[str]] = {}
        for record_keys in keys:
            for tag, text in record_keys:
                if tag not in self.in_memory:
                    wanted.setdefault(tag, []).append(text)
        if not wanted:
            return {}
        found: list[tuple[Key, int, int | None]] = []
        if wanted.get("i") or wanted.get("c"):
            found += self._identifiers(wanted)
        contacts = {tag: [t.split("\x00", 1)[0] for t in wanted.get(tag, [])] for tag in "pe"}
        if contacts["p"] or contacts["e"]:
            found += self._contacts(contacts)
        golden = self._golden({cid: parent for _, cid, parent in found if parent})
        stored: dict[Any, int] = {}
        for key, cid, _parent in sorted(found, key=lambda f: f[1]):
            stored.setdefault(key, golden.get(cid, cid))
        return stored
