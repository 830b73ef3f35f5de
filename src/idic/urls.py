"""URL map: the REST API under /api/, pages under /."""

from django.urls import include, path

from idic.api import api

urlpatterns = [
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("idic.web.urls")),
    path("", include("idic.identify.urls")),
    path("", include("idic.differentiate.urls")),
]
