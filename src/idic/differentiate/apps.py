from django.apps import AppConfig


class DifferentiateConfig(AppConfig):
    name = "idic.differentiate"
    label = "differentiate"
    verbose_name = "Differentiate"
