"""``idic survivorship [FIELD RULE [--sources A,B,…] | FIELD --default]``: show or set
which value a merged customer displays for each field."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from idic.identify.field_rules import FieldError
from idic.identify.services import merge_survivors
from idic.identify.services.reasons import localise


class Command(BaseCommand):
    help = (
        "Show the survivorship rule of every customer field, or set one: most_trusted_source "
        "(with --sources, most trusted first), most_recent or most_complete."
    )

    def add_arguments(self, parser):
        parser.add_argument("field", nargs="?", help="customer field, e.g. name or address")
        parser.add_argument(
            "rule", nargs="?", help="most_trusted_source, most_recent or most_complete"
        )
        parser.add_argument(
            "--sources",
            default="",
            help="source systems, most trusted first, comma-separated (for most_trusted_source)",
        )
        parser.add_argument(
            "--default", action="store_true", help="go back to the built-in rule of FIELD"
        )

    def handle(self, *args, field, rule, sources, default, **options):
        try:
            if field is None:
                rows = merge_survivors.rule_table()
            elif default:
                rows = [merge_survivors.reset_rule(field=field)]
            elif rule is None:
                raise CommandError(
                    _("give a RULE for %(field)s, or --default") % {"field": field}, returncode=2
                )
            else:
                ranking = [s.strip() for s in sources.split(",") if s.strip()]
                rows = [merge_survivors.set_rule(field=field, rule=rule, source_ranking=ranking)]
        except FieldError as exc:
            raise CommandError(f"{exc.field}: {localise(exc.message)}", returncode=2) from None
        for row in rows:
            mark = "*" if row["overridden"] else " "
            trusted = (
                ",".join(row["source_ranking"]) if row["rule"] == "most_trusted_source" else ""
            )
            self.stdout.write(f"{mark} {row['field']:12s} {row['rule']:20s} {trusted}".rstrip())
        if field is None:
            self.stdout.write(_("* set here; the others are built in. Later merges use these."))
