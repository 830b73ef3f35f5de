from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "idic.web"
    label = "web"
    verbose_name = "Web"
