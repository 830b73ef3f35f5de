"""The ``idic`` command: a thin front over Django management commands.

``idic import customers FILE`` runs ``import_customers FILE``; every other verb is a
management command of the same name (``idic init``, ``idic demo``, ``idic runserver`` …).
"""

from __future__ import annotations

import os
import sys

GROUPED_VERBS = {"import", "export", "token", "user"}


def translate(argv: list[str]) -> list[str]:
    """Turn ``[verb, noun, …]`` into ``[verb_noun, …]`` for the grouped verbs."""
    if len(argv) >= 2 and argv[0] in GROUPED_VERBS and not argv[1].startswith("-"):
        return [f"{argv[0]}_{argv[1]}", *argv[2:]]
    return argv


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idic.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["idic", *translate(args)])


if __name__ == "__main__":
    main()
