"""``idic score [--as-of DATE] [--engine duckdb|postgres|spark] [--params FILE]``: score
every customer and keep the result as a snapshot; prints one JSON line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from idic.differentiate.services import scoring
from idic.progress import Unwrapped


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("--as-of %(value)s is not a date; write it as YYYY-MM-DD, e.g. 2024-06-30")
            % {"value": text},
            returncode=2,
        ) from None


class Command(BaseCommand):
    help = (
        "Score every customer (RFM, deciles, pyramid, ABC, BG/NBD, Gamma-Gamma, CLV …) as of "
        "a day and store the snapshot; prints one JSON line with counts, timings and the "
        "fitted model parameters."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            dest="as_of",
            default=None,
            help="score purchases up to this day (default today)",
        )
        parser.add_argument(
            "--engine",
            choices=("duckdb", "postgres", "spark"),
            default=None,
            help="analytical engine (default: IDIC_ANALYTICS_ENGINE, else duckdb)",
        )
        parser.add_argument(
            "--params", type=Path, default=None, help="JSON file of scoring parameters"
        )

    def handle(self, *args, as_of: str | None, engine: str | None, params: Path | None, **options):
        day = _day(as_of) if as_of else None
        values = None
        if params is not None:
            try:
                values = json.loads(params.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(
                    _("cannot read the parameters file %(path)s: %(error)s")
                    % {"path": params, "error": exc},
                    returncode=2,
                ) from exc
            if not isinstance(values, dict):
                raise CommandError(
                    _("%(path)s must hold a JSON object of parameter names and values")
                    % {"path": params},
                    returncode=2,
                )
        bar = _Bar(self.stderr)
        try:
            summary = scoring.run_scoring(
                as_of=day, engine=engine, progress=bar.update, params=values
            )
        except scoring.ScoringError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        finally:
            bar.close()
        self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False, sort_keys=False))


class _Bar:
    """One tqdm bar over the run's steps, labelled with the step under way."""

    def __init__(self, stream) -> None:
        self.stream = Unwrapped(stream)
        self.bar: tqdm | None = None

    def update(self, step: str, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = tqdm(total=total, desc=_("scoring"), file=self.stream, unit=_(" steps"))
        self.bar.set_postfix_str(step, refresh=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
