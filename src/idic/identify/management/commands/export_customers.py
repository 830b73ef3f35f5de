"""``idic export customers``: one CSV row per customer, masked for a role."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from idic.identify.management.exporting_cli import output
from idic.identify.services import exports
from idic.protect import services as protect


class Command(BaseCommand):
    help = "Export every customer as CSV, each field masked beyond the role's clearance."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="-", help=_("CSV file to write (default: stdout)"))
        parser.add_argument(
            "--role", default="analyst", help=_("admin, agent or analyst (default analyst)")
        )

    def handle(self, *args, **options):
        try:
            viewer = protect.viewer_for_role(options["role"], username="cli")
        except protect.UnknownRole as exc:
            raise CommandError(str(exc)) from None
        with output(options["out"], self.stdout) as out:
            count = exports.export_customers(out=out, viewer=viewer)
        self.stderr.write(_("%(count)d customers exported") % {"count": count})
