"""``idic serve``: prepare the database, load demo data on first start, print logins, run."""

from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from idic.differentiate.services import scoring
from idic.identify.services import customers as customer_service
from idic.identify.services import demo as demo_service
from idic.identify.services import resolution
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
            self._first_start(options["demo_customers"])
        logins = self._demo_logins()
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS("\n" + _("IDIC is ready at %(url)s") % {"url": url}))
        for username, password in logins.items():
            self.stdout.write(
                "  "
                + _("login: %(user)s password: %(password)s")
                % {"user": f"{username:8s}", "password": password}
            )
        self.stdout.write("  " + _("API docs: %(url)s") % {"url": f"{url}api/docs"} + "\n")
        if not options["no_run"]:
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)

    def _first_start(self, customers: int) -> None:
        """Load the demo data, recognise its duplicates and score it, so that every page
        has something to show."""
        self.stdout.write(
            _("First start: loading %(n)s demo customers …") % {"n": customers}, ending=""
        )
        self.stdout.flush()
        summary = demo_service.load_demo(customers=customers, seed=42)
        w = summary.written
        done = _(
            "done: %(customers)s customers (%(records)s records), %(transactions)s "
            "transactions, %(interactions)s interactions in %(seconds).1f s"
        ) % {
            "customers": w.customers,
            "records": w.records,
            "transactions": w.transactions,
            "interactions": w.interactions,
            "seconds": summary.seconds,
        }
        self.stdout.write(self.style.SUCCESS(" " + done))
        self.stdout.write(_("Recognising duplicate records (idic resolve) …"), ending="")
        self.stdout.flush()
        report = resolution.resolve()
        self.stdout.write(
            self.style.SUCCESS(
                " "
                + _("%(merges)s merges, %(review)s pairs to review")
                % {"merges": report.merges, "review": report.review_queued}
            )
        )
        self.stdout.write(_("Scoring customers by value and behaviour (idic score) …"), ending="")
        self.stdout.flush()
        try:
            # as of the demo's last purchase day: its history ends before today
            run = scoring.run_scoring(as_of=customer_service.last_purchase_day())
        except scoring.ScoringError as exc:
            self.stdout.write(self.style.WARNING(" " + _("skipped: %(e)s") % {"e": exc}))
            return
        self.stdout.write(
            self.style.SUCCESS(
                " " + _("score run %(id)s as of %(as_of)s") % {"id": run.run_id, "as_of": run.as_of}
            )
        )

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
