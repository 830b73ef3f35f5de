"""``idic demo``: the files it writes, and the data it loads into the database."""

from __future__ import annotations

import csv
import random
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from idic.identify.demo.generator import generate
from idic.identify.importing import RowError
from idic.identify.models import Customer, Interaction, KeyPerson, SourceRecord, Transaction
from idic.identify.services import demo, imports

DOC = Path(__file__).resolve().parents[2] / "docs" / "import-format.md"
FILES = ("customers.csv", "transactions.csv", "interactions.csv", "truth.csv")


def _documented_columns() -> dict[str, list[str]]:
    """Column names of each file, read from the tables of docs/import-format.md."""
    sections = re.split(r"^## ", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    columns: dict[str, list[str]] = {}
    for section in sections:
        title = section.split(":", 1)[0].split("\n", 1)[0].strip().lower()
        if title in {"customers", "transactions", "interactions"}:
            names = []
            for line in section.splitlines():
                if line.startswith("| `"):
                    cell = line.split("|")[1]
                    names += [n for n in re.findall(r"`([^`]+)`", cell) if "<" not in n]
            columns[f"{title}.csv"] = names
        elif title.startswith("ground truth"):
            line = re.search(r"`(source, source_id, [^`]+)`", section)
            assert line, "the truth columns are no longer documented"
            columns["truth.csv"] = line.group(1).split(", ")
    return columns


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _demo(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# ---- --out: files --------------------------------------------------------------------------


def test_out_writes_four_files_whose_headers_are_the_documented_columns(tmp_path):
    # given the columns docs/import-format.md documents
    documented = _documented_columns()
    assert set(documented) == set(FILES)
    # when the demo is written to a folder
    stdout, stderr = _demo("--customers", "150", "--seed", "3", "--out", str(tmp_path))
    # then each file starts with exactly those columns, in the documented order
    for name in FILES:
        assert _read(tmp_path / name)[0] == documented[name], name
    # and the folder holds nothing else; the command said what it wrote, with progress
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    assert "150" in stdout and str(tmp_path) in stdout
    assert "150/150" in stderr


def test_out_files_hold_the_stream_and_repeat_for_the_same_seed(tmp_path):
    # given the same seed written twice and the stream it comes from
    _demo("--customers", "120", "--seed", "9", "--out", str(tmp_path / "a"))
    _demo("--customers", "120", "--seed", "9", "--out", str(tmp_path / "b"))
    bundles = list(generate(customers=120, rng=random.Random(9)))
    # then the files are identical byte for byte
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    # and hold every row of the stream; truth names each customer record once
    customers = _read(tmp_path / "a" / "customers.csv")[1:]
    truth = _read(tmp_path / "a" / "truth.csv")[1:]
    assert len(customers) == sum(len(b.customers) for b in bundles)
    assert [r[:2] for r in customers] == [t[:2] for t in truth]
    assert len({t[2] for t in truth}) == 120
    transactions = _read(tmp_path / "a" / "transactions.csv")[1:]
    assert len(transactions) == sum(len(b.transactions) for b in bundles)


@pytest.mark.parametrize("count", ["0", "-5"])
def test_fewer_than_one_customer_is_refused_and_nothing_is_written(tmp_path, count):
    # given / when a count below one is asked for
    with pytest.raises(CommandError, match="--customers"):
        _demo("--customers", count, "--out", str(tmp_path / "out"))
    # then no folder or file was made
    assert not (tmp_path / "out").exists()


def test_out_naming_a_file_is_refused_and_the_file_is_untouched(tmp_path):
    # given a file where the folder should be
    target = tmp_path / "notes.txt"
    target.write_text("keep me", encoding="utf-8")
    # when / then the command refuses with the remedy, and the file is as it was
    with pytest.raises(CommandError, match="--out"):
        _demo("--customers", "10", "--out", str(target))
    assert target.read_text(encoding="utf-8") == "keep me"


def test_out_below_a_file_is_refused_with_the_reason(tmp_path):
    # given a folder path that passes through a file
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    # when / then the command turns the operating system's refusal into an error message
    with pytest.raises(CommandError, match=r"notes\.txt"):
        _demo("--customers", "10", "--out", str(tmp_path / "notes.txt" / "demo"))
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_a_failure_while_writing_leaves_no_files_behind(tmp_path, monkeypatch):
    # given a stream that breaks after its first bundle
    def broken(**kwargs):
        yield next(generate(**kwargs))
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo, "generate", broken)
    # when the demo is written
    with pytest.raises(RuntimeError, match="disk full"):
        demo.write_demo(customers=50, seed=1, folder=tmp_path)
    # then neither finished nor partial files remain
    assert list(tmp_path.iterdir()) == []


def test_write_demo_refuses_a_bad_count_before_touching_the_folder(tmp_path):
    # given / when / then the service refuses a count below one and makes no folder
    with pytest.raises(ValueError, match="at least 1"):
        demo.write_demo(customers=0, seed=1, folder=tmp_path / "x")
    assert not (tmp_path / "x").exists()


# ---- without --out: loaded into the database ----------------------------------------------


@pytest.mark.django_db
def test_load_puts_every_record_transaction_and_interaction_in_the_database():
    # given what the stream for 120 customers and seed 5 holds
    bundles = list(generate(customers=120, rng=random.Random(5)))
    records = {(t["source"], t["source_id"]) for b in bundles for t in b.truth}
    key_rows = [r for b in bundles for r in b.customers if r.get("org_source_id")]
    organisations = [b for b in bundles if b.kind == "organisation"]
    # when the demo is loaded
    stdout, _ = _demo("--customers", "120", "--seed", "5")
    # then every customer record, order, interaction and key person is in the database
    assert set(SourceRecord.objects.values_list("source", "source_id")) == records
    assert Transaction.objects.count() == sum(len(b.transactions) for b in bundles)
    assert Interaction.objects.count() == sum(len(b.interactions) for b in bundles)
    assert KeyPerson.objects.count() == len(key_rows)
    assert Customer.objects.filter(party_type="organisation").count() >= len(organisations)
    assert "customers" in stdout and "interactions" in stdout


@pytest.mark.django_db
def test_a_refused_import_leaves_the_database_as_it_was(monkeypatch):
    # given an importer that accepts the customers but refuses the transactions
    real = imports.import_file

    def refuse_transactions(*, kind, **kwargs):
        report = real(kind=kind, **kwargs)
        if kind == "transactions":
            return imports.ImportReport(
                run_id=report.run_id, status="rejected", rows=report.rows, created=0,
                updated=0, unchanged=0, error_count=1,
                errors=[RowError(2, "amount", "-1", "amount is negative")], seconds=0.0,
            )  # fmt: skip
        return report

    monkeypatch.setattr(imports, "import_file", refuse_transactions)
    # when the demo is loaded
    with pytest.raises(CommandError, match="transactions") as raised:
        _demo("--customers", "30", "--seed", "2")
    # then the error names the row and reason, and no customer record was kept
    assert "amount is negative" in str(raised.value)
    assert SourceRecord.objects.count() == 0
    assert Customer.objects.count() == 0
