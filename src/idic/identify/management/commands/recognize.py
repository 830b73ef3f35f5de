"""``idic recognize``: who is this? Recognition at the point of contact, from the shell."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from idic.identify import recognition
from idic.identify.field_rules import FieldError
from idic.identify.services import recognize
from idic.identify.services.reasons import localise

FIELDS = ("name", "phone", "email", "id_number", "member_card", "address", "birth_date")


class Command(BaseCommand):
    help = (
        "Recognise a customer from any of name, phone, email, ID number, member card, "
        "address and birth date: match, possible or new, with the probability and why."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", help=_("the name as given"))
        parser.add_argument("--phone", help=_("a phone number"))
        parser.add_argument("--email", help=_("an email address"))
        parser.add_argument("--id-number", dest="id_number", help=_("a resident ID number"))
        parser.add_argument("--member-card", dest="member_card", help=_("a member card number"))
        parser.add_argument("--address", help=_("a postal address"))
        parser.add_argument("--birth-date", dest="birth_date", help=_("YYYY-MM-DD"))

    def handle(self, *args, **options):
        given = {f: options[f] for f in FIELDS if options.get(f)}
        try:
            answer = recognize.recognize(**given)
        except FieldError as exc:
            raise CommandError(
                f"--{exc.field.replace('_', '-')}: {localise(exc.message)}", returncode=2
            ) from None
        except recognition.BadModel as exc:
            raise CommandError(str(exc), returncode=2) from None
        percent = f"{answer.probability:.1%}"
        if answer.status == "match":
            line = _("Match: customer #%(id)s (probability %(p)s)") % {
                "id": answer.customer_id,
                "p": percent,
            }
        elif answer.status == "possible":
            ids = ", ".join(f"#{c['customer_id']}" for c in answer.candidates)
            line = _("Possible match: %(ids)s (best probability %(p)s)") % {
                "ids": ids,
                "p": percent,
            }
        else:
            line = _("New customer: no stored customer matches")
        self.stdout.write(line)
        if answer.why["agreed"] or answer.why["disagreed"]:
            self.stdout.write(
                _("Agreed: %(agreed)s; disagreed: %(disagreed)s")
                % {
                    "agreed": ", ".join(answer.why["agreed"]) or "-",
                    "disagreed": ", ".join(answer.why["disagreed"]) or "-",
                }
            )
        self.stdout.write(json.dumps(answer.as_dict(), ensure_ascii=False))
