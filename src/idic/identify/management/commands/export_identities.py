"""``idic export identities``: which customer each source record belongs to."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from idic.identify.management.exporting_cli import output
from idic.identify.services import exports
from idic.protect import services as protect


class Command(BaseCommand):
    help = "Export source, source_id, customer_id for every source record as CSV."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="-", help=_("CSV file to write (default: stdout)"))

    def handle(self, *args, **options):
        viewer = protect.viewer_for_role("admin", username="cli")
        with output(options["out"], self.stdout) as out:
            count = exports.export_identities(out=out, viewer=viewer)
        self.stderr.write(_("%(count)d source records exported") % {"count": count})
