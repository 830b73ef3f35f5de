"""Pages of the identify area, under ``/customers/`` and ``/import/``."""

from django.urls import path

from idic.identify.views.customer import customer_page
from idic.identify.views.imports import import_page
from idic.identify.views.search import search

app_name = "identify"

urlpatterns = [
    path("customers/", search, name="search"),
    path("customers/<int:customer_id>/", customer_page, name="customer"),
    path("import/", import_page, name="import"),
]
