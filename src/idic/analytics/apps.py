from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "idic.analytics"
    label = "analytics"
    verbose_name = "Analytics"
