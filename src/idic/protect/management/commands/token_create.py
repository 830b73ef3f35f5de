"""``idic token create NAME``: issue an API token for user NAME and print it (shown once)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from idic.protect import services as protect


class Command(BaseCommand):
    help = "Issue a REST API token for a user; it is printed once and stored only as a digest."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the user the token acts as")
        parser.add_argument("--label", default="", help="what the token is for (kept with it)")

    def handle(self, *args, name: str, label: str, **options):
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise CommandError(
                _("no user %(name)s: create one with `idic user create %(name)s --role agent`")
                % {"name": name}
            )
        if protect.role_of(user) is None:
            raise CommandError(
                _(
                    "user %(name)s has no role: give one with `idic user create %(name)s --role agent`"
                )
                % {"name": name}
            )
        token = protect.issue_token(user=user, name=label)
        self.stderr.write(
            _("API token for %(name)s (shown once; keep it secret):") % {"name": name}
        )
        self.stdout.write(token)
