"""``idic unmerge MERGE_ID``: undo a merge, restoring the customers exactly as they were."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from idic.identify.services import merging


class Command(BaseCommand):
    help = "Undo a merge: every row goes back to its customer and the customers are separate again."

    def add_arguments(self, parser):
        parser.add_argument("merge_id", type=int, help=_("the id of the merge to undo"))
        parser.add_argument("--actor", default="cli", help=_("who undoes it, kept on the merge"))

    def handle(self, *args, **options):
        try:
            merging.unmerge(merge_id=options["merge_id"], actor=options["actor"])
            merge = merging.get_merge(options["merge_id"])
        except (merging.MergeNotFound, merging.MergeRefused) as exc:
            raise CommandError(str(exc), returncode=2) from None
        ids = ", ".join(f"#{i}" for i in merge["merged_ids"])
        self.stdout.write(
            _("Merge %(merge)s undone: %(ids)s separated from customer #%(golden)s")
            % {"merge": merge["id"], "ids": ids, "golden": merge["golden_id"]}
        )
