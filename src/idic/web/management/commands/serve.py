"""``idic serve``: prepare the database, load demo data on first start, print logins, run."""

from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from idic.identify.services import customers as customer_service
from idic.identify.services import demo as demo_service
from idic.protect import services as protect

DEMO_USERS = (("admin", "admin"), ("agent", "agent"), ("analyst", "analyst"))


class Command(BaseCommand):
    help = "Start IDIC: migrate, load demo data on first start, print the logins, serve HTTP."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--demo-customers", type=int, default=2000, help="size of the first-start demo data set"
        )
        parser.add_argument("--no-demo", action="store_true", help="start with an empty database")
        parser.add_argument(
            "--no-run", action="store_true", help="prepare and print logins, but do not serve"
        )

    def handle(self, *args, **options):
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("init", verbosity=0)
        if not options["no_demo"] and not customer_service.any_customers():
            self.stdout.write(f"First start: loading {options['demo_customers']} demo customers …")
            summary = demo_service.load_demo(customers=options["demo_customers"], seed=42)
            self.stdout.write(self.style.SUCCESS(f"demo data loaded: {summary}"))
        logins = self._demo_logins()
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"\nIDIC is ready at {url}"))
        for username, password in logins.items():
            self.stdout.write(f"  login: {username:8s} password: {password}")
        self.stdout.write(f"  API docs: {url}api/docs\n")
        if not options["no_run"]:
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)

    def _demo_logins(self) -> dict[str, str]:
        """Demo users, one per role, with passwords kept in DATA_DIR so each start prints them."""
        path = settings.DATA_DIR / "demo-logins.json"
        logins: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        for username, role in DEMO_USERS:
            logins.setdefault(username, secrets.token_urlsafe(9))
            protect.create_user(username=username, password=logins[username], role=role)
        path.write_text(json.dumps(logins, indent=2))
        path.chmod(0o600)
        return logins
