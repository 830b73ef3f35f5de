"""The REST API: one NinjaAPI, a router per area."""

from ninja import NinjaAPI

api = NinjaAPI(title="IDIC API", version="0.1.0", urls_namespace="api")
