"""The REST API: one NinjaAPI, a router per area.

OpenAPI at ``/api/openapi.json``; the docs page ``/api/docs`` runs Swagger UI from the
copy shipped in django-ninja's static files (``ninja`` is an installed app), so it needs
no internet. ``docs/openapi.json`` is the committed schema; regenerate it with
``idic export_openapi_schema --api idic.api.api --sorted --indent 2 --output docs/openapi.json``.
"""

from django.http import HttpRequest
from ninja import NinjaAPI, Router, Swagger
from ninja.errors import HttpError
from ninja.renderers import JSONRenderer

from idic import api_errors
from idic.api_auth import READERS, access
from idic.identify.api import router as identify_router


class ReadableJSON(JSONRenderer):
    """UTF-8 JSON with Chinese text as itself, not ``\\u`` escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="IDIC API",
    version="0.1.0",
    description=(
        "Customer master data of IDIC. Authenticate with `Authorization: Bearer <token>` "
        "(`idic token create NAME`) or the web session (writes then need `X-CSRFToken`). "
        "Each operation lists the roles it admits under `x-roles`; fields beyond the "
        "caller's clearance come back masked. Errors are JSON `{code, message, field}`."
    ),
    urls_namespace="api",
    # The default for any operation that names no roles: signed-in readers only, never open.
    auth=access(*READERS)["auth"],
    renderer=ReadableJSON(),
    # validatorUrl None: Swagger UI would otherwise fetch a badge from validator.swagger.io
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": True}),
)
api_errors.register(api)
api.add_router("/customers", identify_router)
api.add_router("", "idic.identify.api_identity.router")
api.add_router("/scores", "idic.differentiate.api.router")

# Registered last so every unknown path under /api/ answers in the API's JSON error shape.
_unknown = Router()


@_unknown.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False, auth=None
)
def unknown_path(request: HttpRequest, rest: str):
    raise HttpError(404, f"no API operation at /api/{rest}: see /api/docs")


api.add_router("", _unknown)
