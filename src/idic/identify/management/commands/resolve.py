"""``idic resolve``: batch identity resolution of every source record.

Shows a progress bar per step on stderr, then a summary and one JSON line with every
figure on stdout. ``--dry-run`` computes everything and changes nothing.
"""

from __future__ import annotations

import argparse
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from idic.identify.services import resolution
from idic.progress import StepBars


def _step_label(step: str) -> str:
    labels = {
        "load": _("reading records"),
        "features": _("comparison features"),
        "train": _("training the model"),
        "predict": _("scoring pairs"),
        "cluster": _("clustering"),
        "merge": _("merging"),
        "review": _("queueing for review"),
        "save": _("saving the model"),
    }
    return labels.get(step, step)


def _probability(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("%(value)r is not a probability: give a number between 0 and 1, e.g. 0.95")
            % {"value": text}
        ) from None


class Command(BaseCommand):
    help = (
        "Find the source records of one customer across every source and merge them; "
        "pairs that are possible matches go to the review queue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--match-threshold",
            type=_probability,
            default=0.95,
            help="merge pairs at or above this match probability (default 0.95)",
        )
        parser.add_argument(
            "--review-threshold",
            type=_probability,
            default=0.5,
            help="queue pairs from this probability up to the match threshold (default 0.5)",
        )
        parser.add_argument(
            "--engine",
            default="duckdb",
            choices=resolution.model.ENGINES,
            help="where Splink runs: duckdb (default) or spark",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="compute everything, change nothing"
        )

    def handle(self, *args, match_threshold, review_threshold, engine, dry_run, **options):
        bars = StepBars(self.stderr, lambda step: (_step_label(step), "it"))
        try:
            report = resolution.resolve(
                threshold_match=match_threshold,
                threshold_review=review_threshold,
                engine=engine,
                dry_run=dry_run,
                progress=bars.update,
            )
        except resolution.ResolveError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        finally:
            bars.close()
        self._summary(report)
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))

    def _summary(self, report: resolution.ResolveReport) -> None:
        values = report.as_dict() | {"total": report.seconds.get("total", 0.0)}
        self.stdout.write(
            _(
                "%(records)s records of %(customers)s customers: %(pairs_scored)s pairs "
                "scored, %(pairs_matched)s at or above %(threshold_match)s"
            )
            % values
        )
        if report.dry_run:
            line = _(
                "dry run, nothing changed: would merge %(clusters)s groups "
                "(%(customers_merged)s customers into others) and queue "
                "%(review_queued)s pairs for review"
            )
        else:
            line = _(
                "merged %(merges)s groups (%(customers_merged)s customers into others); "
                "queued %(review_queued)s pairs for review; model saved to %(model_path)s"
            )
        self.stdout.write(line % values)
        if report.links_refused or report.conflicts:
            self.stdout.write(
                _(
                    "%(links_refused)s links kept apart by 'not a match' decisions; "
                    "%(conflicts)s decisions contradict records already merged"
                )
                % values
            )
        self.stdout.write(_("done in %(total).1f s") % values)
