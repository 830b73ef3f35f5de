"""The reading side of the importer, without a database: what the chunks of a file hold."""

from __future__ import annotations

import datetime as dt

from idic.identify.importing import customer_rows
from idic.identify.services.import_reading import ReadingKind, read_file
from tests.identify.import_files import CUSTOMER_HEADER, LI, write_csv

CUSTOMERS = ReadingKind(
    customer_rows.KNOWN,
    customer_rows.REQUIRED,
    True,
    lambda cols, tz, country: customer_rows.CustomerRowParser(cols, tz=tz, country=country),
    "source_id",
)
HEADER = [*CUSTOMER_HEADER, "org_source_id"]
TZ = dt.timezone(dt.timedelta(hours=8))


def _read(path, batch=2, prepare=None):
    return list(read_file(path, kind=CUSTOMERS, batch=batch, tz=TZ, country="86", prepare=prepare))


def test_chunks_carry_batches_their_errors_in_file_order_and_an_end(tmp_path):
    # given five good rows, a bad phone on row 4 and a key repeated on row 7
    rows = [{**LI, "source_id": f"S{i}"} for i in range(6)]
    rows[2] = {**rows[2], "phone": "12345"}
    rows[5] = {**rows[5], "source_id": "S0"}
    rows.append({**LI, "source_id": "K1", "org_source_id": "ELSEWHERE"})
    # when read in batches of two good records
    chunks = _read(write_csv(tmp_path / "c.csv", HEADER, rows))
    # then each batch comes with the errors found before it, in the order of the file
    assert [[r.source_id for r in c.items] for c in chunks] == [
        ["S0", "S1"],
        ["S3", "S4"],
        ["K1"],
        [],  # what is left at the end of the file: here nothing
        [],
    ]
    assert [[(e.row, e.column) for e in c.errors] for c in chunks] == [
        [],
        [(4, "phone")],
        [(7, "source_id")],
        [],
        [],
    ]
    assert [c.rows for c in chunks] == [2, 5, 7, 7, 7]
    # and the last one ends the file, naming the key person whose organisation is elsewhere
    assert [c.end for c in chunks] == [False, False, False, False, True]
    assert chunks[-1].outside == [(8, "shop", "ELSEWHERE")]


def test_prepare_gets_every_batch_even_the_last_empty_one(tmp_path):
    # given three good rows and a preparer that counts what it gets
    seen: list[int] = []
    rows = [{**LI, "source_id": f"S{i}"} for i in range(4)]

    def prepare(records):
        seen.append(len(records))
        return ("prepared", len(records))

    # when read in batches of two
    chunks = _read(write_csv(tmp_path / "c.csv", HEADER, rows), prepare=prepare)
    # then each batch went through it, and its result is the chunk's items
    assert seen == [2, 2, 0]
    assert [c.items for c in chunks[:-1]] == [("prepared", 2), ("prepared", 2), ("prepared", 0)]


def test_a_file_that_breaks_midway_ends_with_the_problem_and_no_final_checks(tmp_path):
    # given good rows, then a quote that is never closed
    path = write_csv(tmp_path / "c.csv", HEADER, [{**LI, "source_id": f"S{i}"} for i in range(3)])
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('shop,S9,"never closed\n')
    # when read
    chunks = _read(path)
    # then the last chunk reports the problem, holds no records, and skips the checks
    # that need the whole file (organisations of key persons)
    last = chunks[-1]
    assert last.end and last.items == [] and last.outside is None
    assert "never closed" in last.errors[-1].reason
    assert [r.source_id for c in chunks for r in c.items] == ["S0", "S1"]


def test_a_bad_header_is_one_final_chunk_and_no_rows(tmp_path):
    # given a header without the required name column
    path = write_csv(
        tmp_path / "c.csv", ["source", "source_id"], [{"source": "a", "source_id": "1"}]
    )
    # when read / then one chunk ends the reading with the header's error
    (chunk,) = _read(path)
    assert chunk.end and chunk.rows == 0 and chunk.items == []
    assert [(e.row, e.column) for e in chunk.errors] == [(1, "name")]
