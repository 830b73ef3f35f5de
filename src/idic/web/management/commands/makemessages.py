"""``idic makemessages``: Django's makemessages, also collecting the ``reason("…")``
templates of the pure checks (``idic.identify.reasons``) into the catalogue."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=reason"]
