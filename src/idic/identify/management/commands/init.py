"""``idic init``: create or migrate the schema of DATABASE_URL and the role groups (idempotent)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from idic.protect import services as protect


class Command(BaseCommand):
    help = "Create or migrate the database named by DATABASE_URL and set up roles (safe to repeat)."

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        protect.ensure_roles()
        self.stdout.write(self.style.SUCCESS(_("database ready")))
