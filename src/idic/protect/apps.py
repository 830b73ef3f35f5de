from django.apps import AppConfig


class ProtectConfig(AppConfig):
    name = "idic.protect"
    label = "protect"
    verbose_name = "Protect"
