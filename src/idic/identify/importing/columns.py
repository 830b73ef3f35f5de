"""Check the header row of an import file against the columns a kind of import knows.

Names are matched case-insensitively after folding full-width letters and trimming
spaces. An unknown column is an error (a typo never drops data silently), except
``attr.<group>.<name>``, which carries a further attribute of that group.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from idic.identify.importing import RowError
from idic.identify.normalise import fold
from idic.identify.reasons import reason

ATTRIBUTE_GROUPS = (
    "basic",
    "family",
    "career",
    "psychological",
    "behaviour",
    "org_basic",
    "org_business",
    "org_transaction",
    "preference",
)
_ATTR_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


@dataclass(frozen=True)
class Columns:
    """A checked header: the name of each column (lower-cased) in file order,
    and the further attributes as ``(position, group, name)``."""

    names: tuple[str, ...]
    attributes: tuple[tuple[int, str, str], ...]


def check_header(
    header: list[str], *, known: tuple[str, ...], required: tuple[str, ...], allow_attributes: bool
) -> tuple[Columns, list[RowError]]:
    """Normalise a header row and list what is wrong with it (as errors of row 1)."""
    errors: list[RowError] = []
    names: list[str] = []
    attributes: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(header):
        name = fold(raw).lower().replace(" ", "_")
        names.append(name)
        letter = column_letter(position)
        if not name:
            errors.append(
                RowError(
                    1,
                    letter,
                    raw,
                    reason("column {letter} has no name: name it or delete it", letter=letter),
                )
            )
            continue
        if name in seen:
            first = column_letter(seen[name])
            errors.append(
                RowError(
                    1,
                    name,
                    raw,
                    reason(
                        "column {name!r} appears twice ({first} and {letter}): keep one",
                        name=name,
                        first=first,
                        letter=letter,
                    ),
                )
            )
            continue
        seen[name] = position
        if name in known:
            continue
        if name.startswith("attr.") and allow_attributes:
            attr = _attribute(name)
            if not isinstance(attr, str) and attr[1] in known:
                attr = reason(
                    "attribute {name!r} has a column of its own: use the column {name!r}",
                    name=attr[1],
                )
            if isinstance(attr, str):
                errors.append(RowError(1, name, raw, attr))
            else:
                attributes.append((position, *attr))
            continue
        errors.append(RowError(1, name, raw, _unknown(name, known, allow_attributes)))
    for name in required:
        if name not in seen:
            errors.append(
                RowError(
                    1,
                    name,
                    "",
                    reason("required column {name!r} is missing: add it to the header", name=name),
                )
            )
    return Columns(names=tuple(names), attributes=tuple(attributes)), errors


def _attribute(name: str) -> tuple[str, str] | str:
    parts = name.split(".")
    if len(parts) != 3:
        return reason(
            "column {name!r} must be written attr.<group>.<name>, e.g. attr.preference.colour",
            name=name,
        )
    _, group, attr = parts
    if group not in ATTRIBUTE_GROUPS:
        return reason(
            "attribute group {group!r} is unknown: use one of {groups}",
            group=group,
            groups=", ".join(ATTRIBUTE_GROUPS),
        )
    if not _ATTR_NAME.match(attr):
        return reason(
            "attribute name {attr!r} must start with a letter and hold only letters, "
            "digits and _ (at most 60)",
            attr=attr,
        )
    return group, attr


def _unknown(name: str, known: tuple[str, ...], allow_attributes: bool) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    columns = ", ".join(known)
    if allow_attributes:
        columns = reason("{columns} or attr.<group>.<name>", columns=columns)
    if close:
        return reason(
            "unknown column {name!r}: did you mean {close!r}? the known columns are {columns}",
            name=name,
            close=close[0],
            columns=columns,
        )
    return reason(
        "unknown column {name!r}: the known columns are {columns}", name=name, columns=columns
    )


def column_letter(position: int) -> str:
    """Spreadsheet letter of a 0-based column position: 0 → A, 26 → AA."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
