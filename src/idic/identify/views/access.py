"""Who may open a customer page: a signed-in user with a role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from idic.protect import services as protect


def viewer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in first; then a user without a role gets 403, anyone else gets
    ``request.viewer``, the masking identity every read of the page uses."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        viewer = protect.viewer_for(request.user)
        if viewer is None:
            raise PermissionDenied("this account has no role; ask an administrator for one")
        request.viewer = viewer  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return login_required(wrapped)
