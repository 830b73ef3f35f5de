"""Template context shared by every page."""

from __future__ import annotations

from idic.protect import services as protect


def navigation(request):
    """The signed-in user's role, for menus and masking hints."""
    user = getattr(request, "user", None)
    return {"idic_role": protect.role_of(user) if user is not None else None}
