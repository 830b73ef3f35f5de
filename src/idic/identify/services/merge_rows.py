"""The rows a merge moves: every table row that points at a customer, found through
Django's relations (so a new table, in any area, is covered without a change here),
listed for the undo snapshot and pointed at the golden customer in a few statements.

Used only inside the transaction of ``merging.merge_groups`` and ``merging.unmerge``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction

from idic.identify.models import Customer, MergeRecord

CHUNK = 500  # customers (or rows) per statement
# label → field → owner customer id (as text, a JSON key) → primary keys
Moved = dict[str, dict[str, dict[str, list[int]]]]


class UnknownTable(LookupError):
    pass


def customer_relations() -> list[tuple[Any, str]]:
    """(model, foreign-key name) of every table row that belongs to a customer, in a fixed
    order. Merge records stay with their golden customer: they are the history of merges."""
    found: list[tuple[Any, str]] = []
    for rel in Customer._meta.related_objects:
        if rel.many_to_many or rel.related_model is MergeRecord:
            continue
        found.append((rel.related_model, rel.field.name))
    return sorted(found, key=lambda mf: (mf[0]._meta.label, mf[1]))


def model_of(label: str) -> Any:
    for model, _field in customer_relations():
        if model._meta.label == label:
            return model
    raise UnknownTable(f"the snapshot names table {label}, which no longer points at customers")


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _may_collide(model: Any, field: str) -> bool:
    """Whether a unique constraint covers the foreign key, so moving a row can collide."""
    meta = model._meta
    if meta.get_field(field).unique:
        return True
    groups = [set(c.fields) for c in meta.constraints if getattr(c, "fields", None)]
    groups += [set(u) for u in meta.unique_together]
    return any(field in g for g in groups)


def rows_of(customer_ids: Sequence[int]) -> Moved:
    """Every row pointing at one of the customers, by table, foreign key and owner: one
    query per chunk of customers (a ``UNION ALL`` over the tables)."""
    q = connection.ops.quote_name
    relations = customer_relations()
    found: Moved = {}
    for chunk in chunks(sorted(customer_ids)):
        marks = ", ".join(["%s"] * len(chunk))
        parts: list[str] = []
        params: list[int] = []
        for n, (model, field) in enumerate(relations):
            meta = model._meta
            fk = q(meta.get_field(field).column)
            parts.append(
                f"SELECT {n}, {q(meta.pk.column)}, {fk} FROM {q(meta.db_table)} WHERE {fk} IN ({marks})"
            )
            params += chunk
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            rows = sorted(cursor.fetchall())
        for n, pk, owner in rows:
            model, field = relations[n]
            by_owner = found.setdefault(model._meta.label, {}).setdefault(field, {})
            by_owner.setdefault(str(owner), []).append(pk)
    return found


def _repoint_one(model: Any, field: str, pks: Sequence[int], target: int) -> list[int]:
    """Point rows at ``target`` where a unique constraint may object; returns the rows it
    kept where they were (their twin is already on the target)."""
    kept: list[int] = []
    for chunk in chunks(pks):
        try:
            with transaction.atomic():
                model.objects.filter(pk__in=chunk).update(**{field: target})
        except IntegrityError:
            for pk in chunk:  # find the few rows that collide; move the rest
                try:
                    with transaction.atomic():
                        model.objects.filter(pk=pk).update(**{field: target})
                except IntegrityError:
                    kept.append(pk)
    return kept


def repoint(moved: Moved, target_of: Mapping[int, int]) -> dict[str, dict[str, list[int]]]:
    """Point every listed row at the customer ``target_of`` its owner; returns the rows a
    unique constraint kept where they were, by table and field."""
    kept: dict[str, dict[str, list[int]]] = {}
    for label, fields in moved.items():
        model = model_of(label)
        for field, by_owner in fields.items():
            if _may_collide(model, field):
                stuck = []
                for owner, pks in by_owner.items():
                    stuck += _repoint_one(model, field, pks, target_of[int(owner)])
                if stuck:
                    kept.setdefault(label, {})[field] = sorted(stuck)
                continue
            rows = [(pk, int(owner)) for owner, pks in by_owner.items() for pk in pks]
            column = model._meta.get_field(field).column
            for chunk in chunks(rows):
                owners = {owner: target_of[owner] for _pk, owner in chunk}
                set_column(model, column, owners, keyed_by=column, rows=[pk for pk, _ in chunk])
    return kept


def set_column(
    model: Any, column: str, values: Mapping[int, Any], *, keyed_by: str, rows: Sequence[int]
) -> None:
    """``UPDATE … SET column = CASE keyed_by WHEN k THEN values[k] … END`` on rows ``rows``:
    one plain statement (the ORM's Case/When is slow to build for hundreds of cases)."""
    q = connection.ops.quote_name
    meta = model._meta
    cases = " ".join("WHEN %s THEN %s" for _ in values)
    marks = ", ".join(["%s"] * len(rows))
    params: list[Any] = [v for pair in values.items() for v in pair]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(meta.db_table)} SET {q(column)} = CASE {q(keyed_by)} {cases} END "
            f"WHERE {q(meta.pk.column)} IN ({marks})",
            [*params, *rows],
        )


def put_back(moved: Moved, *, now_on: int) -> None:
    """Point the rows of a snapshot back at their former owners, those still on
    customer ``now_on`` (a row deleted since stays deleted).

    A row that moved in more than one column (a key person whose organisation and person
    were both merged) gets all of them back in one update: column by column, it could
    pass through a state that a unique constraint refuses."""
    for label, fields in moved.items():
        model = model_of(label)
        if len(fields) > 1:
            _put_back_rows(model, fields, now_on=now_on)
            continue
        for field, by_owner in fields.items():
            for owner, pks in by_owner.items():
                for chunk in chunks(pks):
                    model.objects.filter(pk__in=chunk, **{f"{field}_id": now_on}).update(
                        **{field: int(owner)}
                    )


def _put_back_rows(model: Any, fields: dict[str, dict[str, list[int]]], *, now_on: int) -> None:
    """:func:`put_back` of one table whose rows moved in several columns (key persons: a
    small table): each row's columns still on ``now_on`` are set back together, row by
    row. A row whose former values another row still holds for the moment waits until
    that row has moved back too."""
    former: dict[int, dict[str, int]] = {}
    for field, by_owner in fields.items():
        for owner, pks in by_owner.items():
            for pk in pks:
                former.setdefault(pk, {})[field] = int(owner)
    position = {field: n for n, field in enumerate(fields)}
    columns = [f"{field}_id" for field in fields]
    pending: list[tuple[int, dict[str, int]]] = []
    for chunk in chunks(sorted(former)):
        for pk, *current in model.objects.filter(pk__in=chunk).values_list("pk", *columns):
            back = {f: owner for f, owner in former[pk].items() if current[position[f]] == now_on}
            if back:
                pending.append((pk, back))
    while pending:
        waiting: list[tuple[int, dict[str, int]]] = []
        refused: IntegrityError | None = None
        for pk, back in pending:
            try:
                with transaction.atomic():
                    model.objects.filter(pk=pk).update(**back)
            except IntegrityError as exc:
                waiting.append((pk, back))
                refused = exc
        if len(waiting) == len(pending) and refused is not None:
            raise refused  # no row could move: the former values clash for good
        pending = waiting
