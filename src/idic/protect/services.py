"""Use cases of the protect area: roles, users, tokens, audit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db import transaction
from django.utils import timezone

from idic.protect import classification, sealing
from idic.protect.models import ApiToken, AuditEntry

ROLES = classification.ROLES


class UnknownRole(ValueError):
    pass


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a user name and a role. Passed to every read that masks."""

    username: str
    role: str

    def reveal(self, field: str, value):
        return classification.reveal(self.role, field, value)

    def can_see(self, field: str) -> bool:
        return classification.can_see(self.role, field)


SYSTEM = Viewer(username="system", role="admin")


def role_of(user: AbstractBaseUser | AnonymousUser | None) -> str | None:
    """The user's role: the highest-clearance role group they belong to."""
    if user is None or not user.is_authenticated:
        return None
    if getattr(user, "is_superuser", False):
        return "admin"
    names = set(user.groups.values_list("name", flat=True))  # type: ignore[union-attr,attr-defined]
    for role in sorted(ROLES, key=lambda r: -classification.clearance_of(r)):
        if role in names:
            return role
    return None


def viewer_for(user) -> Viewer | None:
    role = role_of(user)
    return Viewer(username=user.get_username(), role=role) if role else None


def viewer_for_role(role: str, username: str = "cli") -> Viewer:
    if role not in ROLES:
        raise UnknownRole(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return Viewer(username=username, role=role)


def ensure_roles() -> None:
    """Create the role groups (idempotent)."""
    for role in ROLES:
        Group.objects.get_or_create(name=role)


@transaction.atomic
def create_user(*, username: str, password: str, role: str, email: str = ""):
    """Create or update a user with exactly one role."""
    if role not in ROLES:
        raise UnknownRole(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    ensure_roles()
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
    user.set_password(password)
    user.is_staff = role == "admin"
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    return user


def _digest(secret: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def issue_token(*, user, name: str = "") -> str:
    """Create an API token and return its secret (shown once, stored as a digest)."""
    secret = "idic_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=secret[:12], digest=_digest(secret))
    return secret


def user_for_token(secret: str):
    """The active user owning a token, or None."""
    if not secret:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def audit(
    *, viewer: Viewer | None, action: str, object_type: str = "", object_id="", **detail
) -> None:
    """Append an audit entry (seen, changed, exported, imported …)."""
    AuditEntry.objects.create(
        actor=viewer.username if viewer else "",
        role=viewer.role if viewer else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail,
    )


def identifier_digest(kind: str, value: str) -> str:
    """Keyed digest used to find a protected identifier without storing it in clear."""
    return sealing.digest(settings.SECRET_KEY, kind, value)


def seal_value(value: str) -> str:
    """Encrypt a secret value with the deployment's key."""
    return sealing.seal(settings.SECRET_KEY, value)


def unseal_value(token: str) -> str:
    """Decrypt a value sealed by :func:`seal_value`."""
    return sealing.unseal(settings.SECRET_KEY, token)


def mask_value(field: str, value: str) -> str:
    """The masked form of a field's value: what a role without clearance sees."""
    return classification.mask(field, value)
