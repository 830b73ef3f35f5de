"""Pages of the differentiate area, under ``/value/``."""

from django.urls import path

from idic.differentiate.views.dashboard import value_dashboard

app_name = "differentiate"

urlpatterns = [
    path("value/", value_dashboard, name="dashboard"),
]
