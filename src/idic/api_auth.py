"""Who calls the REST API, and whether their role may: bearer tokens or the signed-in session.

Both turn the caller into a :class:`~idic.protect.services.Viewer` (``request.auth``) whose
role must be one the operation admits. No or bad credentials → 401; a user without a
role, or with a role the operation does not admit → 403. Session calls that change data
need the CSRF token (header ``X-CSRFToken``); token calls do not.

This module sits beside ``api.py`` (not inside an area) so that every area's router can
declare its roles without reaching into another area.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import APIKeyCookie, HttpBearer

from idic.protect import services as protect
from idic.protect.services import Viewer

READERS = ("admin", "agent", "analyst")
EDITORS = ("admin", "agent")
ADMINS = ("admin",)


def admit(user, roles: tuple[str, ...]) -> Viewer:
    """The viewer for ``user`` if their role is one of ``roles``; otherwise 403."""
    viewer = protect.viewer_for(user)
    if viewer is None:
        raise AuthorizationError(
            message=f"user {user.get_username()!r} has no role: an admin gives one with "
            f"`idic user create {user.get_username()} --role agent`"
        )
    if viewer.role not in roles:
        raise AuthorizationError(
            message=f"role {viewer.role!r} may not do this; it needs one of: {', '.join(roles)}"
        )
    return viewer


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``; tokens come from ``idic token create NAME``."""

    def __init__(self, roles: tuple[str, ...]) -> None:
        self.roles = roles
        super().__init__()

    def __call__(self, request: HttpRequest) -> Viewer | None:
        header = request.headers.get(self.header, "")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError(message="the Authorization header must read 'Bearer <token>'")
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Viewer:
        user = protect.user_for_token(token)
        if user is None:
            raise AuthenticationError(
                message="the token is unknown or revoked: create one with `idic token create NAME`"
            )
        return admit(user, self.roles)


class SessionCookie(APIKeyCookie):
    """The signed-in user of the pages; writes need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, roles: tuple[str, ...]) -> None:
        self.roles = roles
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None  # no session, so no CSRF check: the caller simply is not signed in
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Viewer | None:
        user = getattr(request, "user", None)
        if key is None or user is None or not user.is_authenticated:
            return None
        return admit(user, self.roles)


def viewer_of(request: HttpRequest) -> Viewer:
    """The caller of an authenticated operation (set by :class:`BearerToken` or
    :class:`SessionCookie`)."""
    return request.auth  # type: ignore[attr-defined]


def access(*roles: str) -> dict[str, Any]:
    """Keyword arguments for a ninja operation admitting ``roles`` (listed as ``x-roles``)."""
    unknown = set(roles) - set(protect.ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; roles are {protect.ROLES}")
    return {
        "auth": [BearerToken(roles), SessionCookie(roles)],
        "openapi_extra": {"x-roles": list(roles)},
    }
