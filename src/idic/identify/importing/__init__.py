"""Reading import files and checking their rows: pure logic, no Django.

``readers`` streams the cells of a CSV or XLSX file, ``columns`` checks its header,
and ``customer_rows`` / ``transaction_rows`` / ``interaction_rows`` turn one raw row
into a typed record or a list of :class:`RowError`. The use case that writes the
records is ``idic.identify.services.imports``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an import file.

    ``row`` is the row number as a spreadsheet shows it (the header is row 1);
    row 0 stands for the file as a whole (too large, empty, not CSV/XLSX).
    """

    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


KINDS = ("customers", "transactions", "interactions")
