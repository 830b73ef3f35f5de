"""What the three import commands share: arguments, a progress bar, the summary and the
error report (first lines on screen, all of them to a CSV file on request)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from idic.identify.services import imports
from idic.identify.services.reasons import localise

ERRORS_ON_SCREEN = 50


def add_arguments(parser) -> None:
    parser.add_argument("file", type=Path, help=_("CSV (UTF-8) or XLSX file to import"))
    parser.add_argument(
        "--dry-run", action="store_true", help=_("check the whole file, write nothing")
    )
    parser.add_argument(
        "--max-bytes", type=int, default=None, help=_("refuse files larger than this")
    )
    parser.add_argument(
        "--errors-out", type=Path, default=None, help=_("write every error to this CSV file")
    )
    parser.add_argument("--actor", default="cli", help=_("who imports, for the import log"))


class _Bar:
    """A tqdm bar on stderr fed by the importer's progress callback."""

    def __init__(self, command: BaseCommand, label: str) -> None:
        stream = getattr(command.stderr, "_out", sys.stderr)
        self.bar = tqdm(desc=label, unit=_("rows"), file=stream, dynamic_ncols=True, leave=False)

    def __call__(self, done: int, total: int | None) -> None:
        if total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()


def run_import(command: BaseCommand, kind: str, options: dict) -> None:
    """Import ``options['file']`` as ``kind``; raise :class:`CommandError` unless it succeeded."""
    path: Path = options["file"]
    bar = _Bar(command, _("importing %(kind)s") % {"kind": kind})
    try:
        report = imports.import_file(
            kind=kind,
            path=path,
            actor=options.get("actor") or "cli",
            dry_run=options["dry_run"],
            progress=bar,
            max_bytes=options["max_bytes"],
        )
    finally:
        bar.close()
    command.stdout.write(summary(kind, path, report))
    if report.errors:
        print_errors(command, report)
        if options.get("errors_out"):
            write_errors(options["errors_out"], report)
            command.stderr.write(
                _("all %(count)d kept errors written to %(path)s")
                % {"count": len(report.errors), "path": options["errors_out"]}
            )
    if report.status not in ("succeeded", "dry_run"):
        raise CommandError(
            _("%(file)s was not imported (%(status)s): nothing was written; fix the rows above")
            % {"file": path.name, "status": report.status},
            returncode=2,
        )


def summary(kind: str, path: Path, report: imports.ImportReport) -> str:
    text = _(
        "%(file)s (%(kind)s): %(status)s — %(rows)d rows, %(created)d created, "
        "%(updated)d updated, %(unchanged)d unchanged, %(errors)d errors in %(seconds).1f s "
        "(import run %(run)d)"
    ) % {
        "file": path.name,
        "kind": kind,
        "status": report.status,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "errors": report.error_count,
        "seconds": report.seconds,
        "run": report.run_id,
    }
    if report.linked:
        text += " " + _("%(linked)d of the created records linked to existing customers") % {
            "linked": report.linked
        }
    return text


def print_errors(command: BaseCommand, report: imports.ImportReport) -> None:
    """The first errors as ``row  column  value  reason`` lines on stderr."""
    command.stderr.write(_("row\tcolumn\tvalue\treason"))
    for error in report.errors[:ERRORS_ON_SCREEN]:
        value = error.value if len(error.value) <= 40 else error.value[:37] + "…"
        command.stderr.write(
            f"{error.row}\t{error.column or '-'}\t{value!r}\t{localise(error.reason)}"
        )
    hidden = report.error_count - min(len(report.errors), ERRORS_ON_SCREEN)
    if hidden > 0:
        command.stderr.write(
            _("… and %(count)d more errors (use --errors-out FILE to see them)") % {"count": hidden}
        )


def write_errors(path: Path, report: imports.ImportReport) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["row", "column", "value", "reason"])
        for error in report.errors:
            out.writerow([error.row, error.column, error.value, localise(error.reason)])
