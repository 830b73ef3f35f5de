"""``idic demo``: generate demo customers, transactions and interactions.

With ``--out DIR`` the four CSV files (and ``truth.csv``, which record belongs to which
real person) are written there; without it they are generated in a temporary folder
and imported into the database.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from idic.identify.services import demo
from idic.progress import StepBars


class Command(BaseCommand):
    help = (
        "Generate demo data for N customers: write CSV files with --out DIR, "
        "or load them into the database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, default=1000, help="real customers to make (default 1000)"
        )
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument(
            "--out", type=Path, default=None, help="write the CSV files into this folder"
        )

    def handle(self, *args, customers: int, seed: int, out: Path | None, **options):
        if customers < 1:
            raise CommandError(
                _("--customers must be 1 or more, not %(n)s") % {"n": customers}, returncode=2
            )
        if out is not None and out.exists() and not out.is_dir():
            raise CommandError(
                _("%(path)s is a file: give --out a folder to write the CSV files into")
                % {"path": out},
                returncode=2,
            )
        bars = StepBars(self.stderr, _bar_label)
        try:
            if out is not None:
                written = demo.write_demo(
                    customers=customers, seed=seed, folder=out, progress=bars.update
                )
            else:
                loaded = demo.load_demo(customers=customers, seed=seed, progress=bars.update)
        except demo.DemoLoadError as exc:
            report = exc.report
            first = "; ".join(
                _("row %(row)s %(column)s: %(reason)s")
                % {"row": e.row, "column": e.column, "reason": e.reason}
                for e in report.errors[:3]
            )
            raise CommandError(
                _(
                    "importing the demo %(kind)s ended %(status)s with %(count)s errors "
                    "(%(first)s); nothing was loaded"
                )
                % {
                    "kind": exc.kind,
                    "status": report.status,
                    "count": report.error_count,
                    "first": first,
                }
            ) from exc
        except OSError as exc:
            raise CommandError(
                _("cannot write the demo files: %(error)s") % {"error": exc}
            ) from exc
        finally:
            bars.close()
        if out is not None:
            self._wrote(written)
        else:
            self._wrote(loaded.written, folder=False)
            for kind, report in loaded.reports.items():
                self.stdout.write(
                    _(
                        "loaded %(kind)s: %(rows)s rows (%(created)s new, %(updated)s updated) "
                        "in %(seconds).1f s"
                    )
                    % {
                        "kind": kind,
                        "rows": report.rows,
                        "created": report.created,
                        "updated": report.updated,
                        "seconds": report.seconds,
                    }
                )

    def _wrote(self, summary: demo.DemoSummary, *, folder: bool = True) -> None:
        values = {
            "customers": summary.customers,
            "records": summary.records,
            "duplicates": summary.duplicates,
            "transactions": summary.transactions,
            "interactions": summary.interactions,
            "seconds": summary.seconds,
            "folder": summary.folder,
        }
        message = _(
            "generated %(customers)s customers: %(records)s customer records "
            "(%(duplicates)s duplicates), %(transactions)s transactions, "
            "%(interactions)s interactions in %(seconds).1f s"
        )
        self.stdout.write(message % values)
        if folder:
            self.stdout.write(
                _(
                    "wrote customers.csv, transactions.csv, interactions.csv and truth.csv "
                    "to %(folder)s"
                )
                % values
            )


def _bar_label(step: str) -> tuple[str, str]:
    if step == "generate":
        return _("generating"), _(" customers")
    return _("importing %(kind)s") % {"kind": step}, _(" rows")
