"""``idic export scores [--out FILE] [--run ID]``: one CSV row per customer of a snapshot
(default the latest), with the columns of the snapshot in their fixed order."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from idic.differentiate.scoring.columns import MONEY_COLUMNS, SCORE_COLUMNS
from idic.differentiate.services import snapshots


class Command(BaseCommand):
    help = "Write the scores of the latest (or the given) scoring run as CSV, one row per customer."

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", type=Path, default=None, help="CSV file to write (default stdout)"
        )
        parser.add_argument(
            "--run", dest="run_id", type=int, default=None, help="score run id (default the latest)"
        )

    def handle(self, *args, out: Path | None, run_id: int | None, **options):
        try:
            run = snapshots.get_run(run_id=run_id)
        except snapshots.SnapshotError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if out is not None and out.is_dir():
            raise CommandError(
                _("%(path)s is a folder: give --out a file name") % {"path": out}, returncode=2
            )
        handle = sys.stdout if out is None else None
        try:
            stream = handle or out.open("w", newline="", encoding="utf-8")  # type: ignore[union-attr]
        except OSError as exc:
            raise CommandError(
                _("cannot write %(path)s: %(error)s") % {"path": out, "error": exc}
            ) from exc
        rows = 0
        try:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(SCORE_COLUMNS)
            money = [name in MONEY_COLUMNS for name in SCORE_COLUMNS]
            for row in snapshots.iter_scores(run_id=run.pk):
                writer.writerow(
                    [
                        "" if v is None else (f"{v:.2f}" if is_money else v)
                        for v, is_money in zip(row, money, strict=True)
                    ]
                )
                rows += 1
        finally:
            if handle is None:
                stream.close()
        if out is not None:
            self.stderr.write(
                _("wrote %(rows)s customers of score run %(run)s (as of %(as_of)s) to %(path)s")
                % {"rows": rows, "run": run.pk, "as_of": run.as_of.isoformat(), "path": out}
            )
