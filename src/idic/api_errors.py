"""Every REST API error as JSON ``{"code": …, "message": …, "field": …}``.

The handlers are registered on the NinjaAPI; they turn the areas' own exceptions
(unknown customer, bad field, duplicate) and ninja's (validation, auth, bad body) into
one shape, so a client reads a single error format.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from idic.identify.field_rules import FieldError
from idic.identify.services.customers import CustomerNotFound
from idic.identify.services.editing import Conflict, ContactPointNotFound
from idic.identify.services.records import BadCursor

log = logging.getLogger(__name__)

CODE_OF_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid",
    429: "throttled",
}
NOT_SIGNED_IN = (
    "no credentials: send 'Authorization: Bearer <token>' (create one with "
    "`idic token create NAME`) or sign in to the web pages"
)


def error(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, **extra: Any
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update({k: v for k, v in extra.items() if v not in (None, "")})
    return api.create_response(request, body, status=status)


def _field_of(loc: list[Any]) -> str:
    """``["body", "payload", "phone"]`` → ``phone``; ``["query", "limit"]`` → ``limit``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts and parts[0] in ("query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    return ".".join(parts)


def _validation(request: HttpRequest, exc: ValidationError, api: NinjaAPI) -> HttpResponse:
    problems = [
        {"field": _field_of(list(e.get("loc", []))), "message": str(e.get("msg", "invalid"))}
        for e in exc.errors
    ]
    message = "; ".join(f"{p['field'] or 'body'}: {p['message']}" for p in problems)
    field = problems[0]["field"] if problems else ""
    return error(api, request, 422, "invalid", message, field=field, errors=problems)


def _field_error(request: HttpRequest, exc: FieldError, api: NinjaAPI) -> HttpResponse:
    return error(api, request, 422, "invalid", f"{exc.field}: {exc}", field=exc.field)


def _conflict(request: HttpRequest, exc: Conflict, api: NinjaAPI) -> HttpResponse:
    return error(api, request, 409, exc.code, str(exc), field=exc.field)


def _not_found(code: str, request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    return error(api, request, 404, code, str(exc) or "not found")


def _bad_cursor(request: HttpRequest, exc: BadCursor, api: NinjaAPI) -> HttpResponse:
    return error(api, request, 400, "bad_cursor", str(exc), field="cursor")


def _unauthenticated(request: HttpRequest, exc: AuthenticationError, api: NinjaAPI) -> HttpResponse:
    message = exc.message if exc.message != "Unauthorized" else NOT_SIGNED_IN
    response = error(api, request, 401, "unauthenticated", message)
    response["WWW-Authenticate"] = "Bearer"
    return response


def _forbidden(request: HttpRequest, exc: AuthorizationError, api: NinjaAPI) -> HttpResponse:
    return error(api, request, 403, "forbidden", exc.message)


def _http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    code = CODE_OF_STATUS.get(exc.status_code, "error")
    message = exc.message
    if exc.status_code == 403 and "CSRF" in message:
        code = "csrf_failed"
        message = "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header"
    elif exc.status_code == 400 and "parse" in message:
        message = "the request body is not valid JSON"
    return error(api, request, exc.status_code, code, message)


def _server_error(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    log.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return error(api, request, 500, "server_error", "internal error; it has been logged")


def register(api: NinjaAPI) -> None:
    """Install the JSON error handlers on ``api``."""
    handlers: list[tuple[type[Exception], Any]] = [
        (ValidationError, _validation),
        (FieldError, _field_error),
        (Conflict, _conflict),
        (CustomerNotFound, partial(_not_found, "customer_not_found")),
        (ContactPointNotFound, partial(_not_found, "contact_point_not_found")),
        (Http404, partial(_not_found, "not_found")),
        (BadCursor, _bad_cursor),
        (AuthenticationError, _unauthenticated),
        (AuthorizationError, _forbidden),
        (HttpError, _http_error),
        (Exception, _server_error),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, partial(handler, api=api))
