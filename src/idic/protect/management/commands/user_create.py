"""``idic user create NAME --role ROLE [--password P]``: create a user, or reset one's role."""

from __future__ import annotations

import secrets

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from idic.protect import services as protect


class Command(BaseCommand):
    help = "Create a user with one role (admin, agent, analyst), or update an existing one."

    def add_arguments(self, parser):
        parser.add_argument("name", help="user name to sign in with")
        parser.add_argument("--role", required=True, choices=protect.ROLES)
        parser.add_argument("--password", help="password to set; generated and shown if left out")
        parser.add_argument("--email", default="")

    def handle(self, *args, name: str, role: str, password: str | None, email: str, **options):
        name = name.strip()
        if not name:
            raise CommandError(_("give a user name"))
        generated = password is None
        if generated:
            password = secrets.token_urlsafe(12)
        assert password is not None
        if len(password) < 8:
            raise CommandError(_("the password must have at least 8 characters"))
        protect.create_user(username=name, password=password, role=role, email=email)
        self.stdout.write(
            self.style.SUCCESS(_("user %(name)s has role %(role)s") % {"name": name, "role": role})
        )
        if generated:
            self.stdout.write(_("password: %(password)s") % {"password": password})
