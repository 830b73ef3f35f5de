"""Show the pure checks' messages (:mod:`idic.identify.reasons`) in the active language."""

from __future__ import annotations

from django.utils.translation import gettext

from idic.identify.reasons import render


def localise(message: str) -> str:
    """``message`` translated into the active language (plain text is returned as is)."""
    return render(message, gettext)
