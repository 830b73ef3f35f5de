from django.apps import AppConfig


class InteractConfig(AppConfig):
    name = "idic.interact"
    label = "interact"
    verbose_name = "Interact"
