from django.apps import AppConfig


class IdentifyConfig(AppConfig):
    name = "idic.identify"
    label = "identify"
    verbose_name = "Identify"
