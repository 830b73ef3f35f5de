"""Pages of the identify area, under ``/customers/`` and ``/import/``."""

from django.urls import path

from idic.identify.views.customer import customer_page
from idic.identify.views.imports import import_page
from idic.identify.views.new_customer import new_customer
from idic.identify.views.review import decide_pair, review_page, undo_merge
from idic.identify.views.search import search
from idic.identify.views.survivorship import rules_page, set_rule

app_name = "identify"

urlpatterns = [
    path("customers/", search, name="search"),
    path("customers/new/", new_customer, name="new_customer"),
    path("customers/<int:customer_id>/", customer_page, name="customer"),
    path("import/", import_page, name="import"),
    path("review/", review_page, name="review"),
    path("review/<int:pair_id>/", decide_pair, name="review_decide"),
    path("review/rules/", rules_page, name="survivorship"),
    path("review/rules/<str:field>/", set_rule, name="survivorship_set"),
    path("customers/<int:customer_id>/merges/<int:merge_id>/undo/", undo_merge, name="undo_merge"),
]
