"""``idic import interactions FILE``: import a interactions file (CSV or XLSX) whole or not at all."""

from django.core.management.base import BaseCommand

from idic.identify.management import importing_cli


class Command(BaseCommand):
    help = "Import interactions from a CSV (UTF-8) or XLSX file; see docs/import-format.md."

    def add_arguments(self, parser):
        importing_cli.add_arguments(parser)

    def handle(self, *args, **options):
        importing_cli.run_import(self, "interactions", options)
